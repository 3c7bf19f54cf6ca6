import * as pulumi from "@pulumi/pulumi";
import { AppGatewayWaf } from "../../components/app-gateway-waf";
import { ContainerApp } from "../../components/container-app";
import { ContainerAppsEnvironment } from "../../components/container-apps-environment";
import { Context, Platform } from "../context";
import { ServiceName } from "../services";
import { DataLayer } from "./data";
import { applyAccess } from "./grants";
import { buildTemporalUiIdentity, ServiceIdentities } from "./identities";
import { NetworkLayer } from "./network";
import { buildApps } from "./runtime/apps";
import { buildEnvironment } from "./runtime/environment";
import { AppName, assignGrants, servicePlans } from "./runtime/plans";
import { wireTemporalMtls } from "./runtime/temporal-mtls";
import { buildWafFront } from "./runtime/waf";

export { PORTS } from "./runtime/apps";
export { APP_NAMES } from "./runtime/plans";
export type { AppName } from "./runtime/plans";
export { TEMPORAL_TLS_SECRETS, TLS_MOUNT } from "./runtime/temporal-mtls";
export type { TemporalTlsReader, TemporalTlsSecret } from "./runtime/temporal-mtls";
export { APPGW_CERT_SECRET } from "./runtime/waf";

export interface RuntimeDeps {
  identities: ServiceIdentities;
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
}

export interface RuntimeLayer {
  environment: ContainerAppsEnvironment;
  apps: Record<AppName, ContainerApp>;
  waf?: AppGatewayWaf;
  /** For the observability layer's diagnostic settings (this layer creates none). */
  diagnosticTargets: {
    managedEnvironmentId: pulumi.Output<string>;
    applicationGatewayId?: pulumi.Output<string>;
  };
  outputs: {
    /** The backend's ingress URL (VNet-only when the WAF is on). */
    backendUrl: pulumi.Output<string>;
    /** The WAF's public IP; the API's DNS name points here. Only with the WAF. */
    apiPublicIp?: pulumi.Output<string>;
  };
}

/**
 * The runtime (DESIGN.md §2, §3, §6): the Container Apps environment, the five apps with Key
 * Vault references and secretRefs derived from src/services.ts, Temporal mTLS when the matrix says
 * so, and the WAF in front of the API when it is on. Each concern is a module of runtime/.
 */
export function buildRuntime(ctx: Context, platform: Platform, deps: RuntimeDeps): RuntimeLayer {
  const decisions = ctx.cfg.decisions;
  const environment = buildEnvironment(ctx, platform, deps.network);
  const ui = buildTemporalUiIdentity(ctx, platform);
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
  const tlsGrants = decisions.temporalMtls.value
    ? wireTemporalMtls(ctx, platform, environment, deps.data, ui, plans)
    : {};
  assignGrants(plans, deps.data.secretGrants, tlsGrants, { ...deps.acrPull, "temporal-ui": uiAcrPull });

  const apps = buildApps(ctx, platform, deps, environment, plans);
  const gateway = decisions.waf.value ? buildWafFront(ctx, platform, deps, apps.backend) : undefined;

  return {
    environment,
    apps,
    waf: gateway,
    diagnosticTargets: {
      managedEnvironmentId: environment.id,
      ...(gateway ? { applicationGatewayId: gateway.id } : {}),
    },
    outputs: {
      backendUrl: apps.backend.fqdn.apply((f) => `https://${f ?? ""}`),
      ...(gateway ? { apiPublicIp: gateway.publicIpAddress } : {}),
    },
  };
}
