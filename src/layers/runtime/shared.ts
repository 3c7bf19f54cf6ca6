import * as pulumi from "@pulumi/pulumi";
import { ServiceIdentity } from "../../../components/service-identity";
import { Context, Platform } from "../../context";
import { ServiceName } from "../../services";
import { DataLayer } from "../data";
import { applyAccess } from "../grants";
import { PlatformIdentities, ServiceIdentities } from "../identities";
import { NetworkLayer } from "../network";
import { AppName, AppPlans, assignGrants, servicePlans } from "./plans";

/** What both runtimes take from earlier layers and give to later ones, and what they share. */

export interface RuntimeDeps {
  identities: ServiceIdentities;
  /** The Temporal UI's, the WAF gateway's and the AKS cluster's identities (identities layer). */
  platformIdentities: PlatformIdentities;
  network: NetworkLayer;
  data: DataLayer;
  /** AZURE_AD_CLIENT_ID: the API app registration's client id (never a managed identity's). */
  apiClientId: pulumi.Input<string>;
  /** The Static Web App origin, `https://<defaultHostname>` (joins CORS_ORIGINS). */
  webOrigin: pulumi.Input<string>;
  /** Each service's AcrPull assignment (access layer): the image is pulled at revision start too. @default {} */
  acrPull?: Partial<Record<ServiceName, pulumi.Resource>>;
  /**
   * Application Insights connection string for backend and worker telemetry. Not a secret (an
   * identifier; with local auth off, ingestion needs the app identity's Entra token). @default none
   */
  appInsightsConnectionString?: pulumi.Input<string>;
  /** The Log Analytics workspace (AKS monitoring add-on and Defender; unused on ACA). */
  workspaceId: pulumi.Input<string>;
}

/** What both runtimes hand to the alerts layer and the stack outputs. */
export interface RuntimeLayer {
  /** For the observability layer's diagnostic settings (this layer creates none). */
  diagnosticTargets: {
    /** The Container Apps environment (runtime aca). */
    managedEnvironmentId?: pulumi.Output<string>;
    /** The AKS cluster (runtime aks). */
    managedClusterId?: pulumi.Output<string>;
    applicationGatewayId?: pulumi.Output<string>;
  };
  outputs: {
    /** The backend's URL (VNet-only when the WAF is on). */
    backendUrl: pulumi.Output<string>;
    /** The WAF's public IP; the API's DNS name points here. Only with the WAF. */
    apiPublicIp?: pulumi.Output<string>;
    /** The AKS cluster's name (runtime aks). */
    aksClusterName?: pulumi.Output<string>;
  };
}

/** The Temporal UI's identity and the plans of the five apps, the same on both runtimes. */
export interface SharedRuntime {
  ui?: ServiceIdentity;
  plans: AppPlans;
  /** Each app's AcrPull assignment (the UI's made here), for finishPlans. */
  acrPull: Partial<Record<AppName, pulumi.Resource>>;
}

/**
 * The Temporal UI identity with its AcrPull row, and each app's plan (identity and Key Vault
 * secrets from src/services.ts).
 */
export function sharedRuntime(ctx: Context, platform: Platform, deps: RuntimeDeps): SharedRuntime {
  const ui = deps.platformIdentities["temporal-ui"];
  // The UI's rows of src/access.ts on the registry (AcrPull), made with its identity.
  const acrId = ctx.cfg.registry?.acrId;
  const uiAcrPull =
    ui && acrId !== undefined
      ? applyAccess(
          ctx,
          platform,
          "acr",
          { id: acrId, label: "acr" },
          { identities: { "temporal-ui": ui }, groups: {} },
          () => ({
            parent: ui,
            protect: false,
          }),
        )["temporal-ui"]?.[0]
      : undefined;
  const plans = servicePlans(ctx.cfg, deps.identities, deps.data, ui);
  return { ui, plans, acrPull: { ...deps.acrPull, "temporal-ui": uiAcrPull } };
}

/** Assigns each app's grants (Key Vault, mTLS, AcrPull) to its plan. */
export function finishPlans(
  shared: SharedRuntime,
  deps: RuntimeDeps,
  tlsGrants: Partial<Record<AppName, pulumi.Resource[]>>,
): void {
  assignGrants(shared.plans, deps.data.secretGrants, tlsGrants, shared.acrPull);
}
