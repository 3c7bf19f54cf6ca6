import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import { secretReaderProblems } from "./access";
import { loadConfig } from "./load-config";
import { createContext, Platform } from "./context";
import { buildAccess } from "./layers/access";
import { buildData } from "./layers/data";
import { buildEntra } from "./layers/entra";
import { buildPlatformIdentities, buildServiceIdentities } from "./layers/identities";
import { buildNetwork } from "./layers/network";
import { buildAlertsAndDiagnostics, buildObservability } from "./layers/observability";
import { buildRuntime } from "./layers/runtime";
import { buildWeb } from "./layers/web";

/**
 * The Engram estate of one environment. Data flows one way: config (validated; nothing is
 * registered before it passes) → matrix decisions → layers of components → stack outputs.
 *
 * Layer order follows what each needs from the ones before it:
 *   resource group → observability (workspace) → network → identities → web front door (SWA)
 *   → Entra apps → data (Key Vault, secrets, Storage, Postgres) → runtime (Container Apps, WAF)
 *   → alerts.
 */
export async function engram(): Promise<Record<string, unknown>> {
  const cfg = loadConfig();
  // The tables agree for this environment, or nothing is registered (src/access.ts).
  const broken = secretReaderProblems(cfg);
  if (broken.length > 0) throw new Error(broken.join("; "));
  const ctx = createContext(cfg);

  const client = authorization.getClientConfigOutput();
  const resourceGroup = new resources.ResourceGroup(
    "rg",
    { resourceGroupName: ctx.name("resourceGroup"), location: cfg.location, tags: ctx.tags },
    { protect: ctx.protect },
  );
  const platform: Platform = {
    resourceGroupName: resourceGroup.name,
    resourceGroupId: resourceGroup.id,
    location: cfg.location,
    subscriptionId: client.subscriptionId,
    tenantId: client.tenantId,
  };

  // Each layer lives in src/layers/<layer>.ts and returns what later layers and the outputs need.
  // Workspace, Application Insights, action group:
  const monitoring = buildObservability(ctx, platform);
  // VNet, subnets with their NSGs, NAT egress:
  const network = buildNetwork(ctx, platform);
  // Every managed identity: the services', then the platform's (UI, WAF gateway, AKS).
  const identities = buildServiceIdentities(ctx, platform);
  const platformIdentities = buildPlatformIdentities(ctx, platform);
  // Static Web App (its hostname feeds CORS and the SPA redirect URIs):
  const web = buildWeb(ctx, platform);
  // API and SPA app registrations, app-role assignments; AI account, registry and platform-group grants:
  const entra = buildEntra(ctx, platform, { extraSpaOrigins: [web.origin] });
  const access = buildAccess(ctx, platform, identities, resourceGroup);
  // Key Vault, secrets and per-secret grants, Storage, Postgres, private endpoints:
  const data = buildData(ctx, platform, { identities, network, monitoring });
  // Container Apps environment, the five apps, WAF, Temporal mTLS:
  const runtime = buildRuntime(ctx, platform, {
    identities,
    platformIdentities,
    network,
    data,
    apiClientId: entra.apiClientId,
    webOrigin: web.origin,
    appInsightsConnectionString: monitoring.appInsightsConnectionString,
    acrPull: access.acrPull,
    workspaceId: monitoring.workspaceId,
  });
  // Diagnostic settings on every resource that has logs, security alerts:
  buildAlertsAndDiagnostics(ctx, platform, {
    monitoring,
    data,
    identities,
    apiClientId: entra.apiClientId,
    runtime,
  });

  const outputs: Record<string, unknown> = {
    environment: cfg.environment,
    resourceGroupName: resourceGroup.name,
    resourceGroupId: resourceGroup.id,
    tenantId: platform.tenantId,
    webHostname: web.defaultHostname,
    serviceIdentityClientIds: Object.fromEntries(
      Object.entries(identities).map(([s, id]) => [s, id.clientId]),
    ),
    apiClientId: entra.apiClientId,
    apiAudience: entra.audience,
    apiIssuer: entra.issuer,
    apiScope: entra.scope,
    spaClientId: entra.spaClientId,
    logAnalyticsWorkspaceId: monitoring.workspaceId,
    logAnalyticsWorkspaceCustomerId: monitoring.workspaceCustomerId,
    appInsightsConnectionString: monitoring.appInsightsConnectionString,
    alertActionGroupId: monitoring.actionGroupId,
    // Names and endpoints only, never a secret value.
    keyVaultName: data.vaultName,
    keyVaultUri: data.vaultUri,
    storageAccountName: data.storage.accountName,
    postgresAppHost: data.postgres.appHost,
    postgresPlatformHost: data.postgres.platformHost,
    postgresRoleSql: data.postgresRoleSql,
    vnetId: network.vnetId,
    egressIp: network.egressIp,
    backendUrl: runtime.outputs.backendUrl,
    ...(runtime.outputs.apiPublicIp ? { apiPublicIp: runtime.outputs.apiPublicIp } : {}),
    ...(runtime.outputs.aksClusterName ? { aksClusterName: runtime.outputs.aksClusterName } : {}),
  };
  return outputs;
}
