/**
 * The KQL of every log alert, as constants tests can read. Each reads the workspace tables that
 * this program's diagnostic settings fill (components/diagnostic-setting.ts, DIAGNOSTIC_PROFILES):
 * the resource-specific tables (`logAnalyticsDestinationType: "Dedicated"`) for Key Vault and the
 * Container Apps environment, and the workspace-based Application Insights tables; on AKS the
 * Container Insights tables its data collection rule fills (ContainerLogV2, KubeEvents).
 *
 * A query names its parameters with `let` statements that `renderQuery` prepends, so the text
 * here is the text that runs. No query filters on TimeGenerated: the rule's window does.
 *
 * Schemas: https://learn.microsoft.com/azure/azure-monitor/reference/tables/<table>
 */

/**
 * API 401/403 responses of the backend, counted from two sources and the larger one kept (so the
 * count is right whether or not the app sends request telemetry, and nothing is counted twice):
 * - `AppRequests` (workspace-based Application Insights; columns AppRoleName, ResultCode (string),
 *   TimeGenerated) when the backend is instrumented with the connection string;
 * - `ContainerAppConsoleLogs` (resource-specific table of the ACA environment's diagnostic
 *   setting; columns ContainerAppName, Log) — the uvicorn access-log line
 *   `"GET /api/v1/... HTTP/1.1" 401 Unauthorized`.
 * `union isfuzzy=true` keeps the rule working while one table has no data yet.
 * Parameters: backendApp (the container app name, also its cloud role name).
 */
export const API_AUTH_FAILURES = `union isfuzzy=true
  (AppRequests
    | where AppRoleName =~ backendApp
    | where ResultCode in ("401", "403")
    | summarize Failures = count()),
  (ContainerAppConsoleLogs
    | where ContainerAppName =~ backendApp
    | extend Status = toint(extract(@'HTTP/[0-9.]+"\\s+(\\d{3})', 1, Log))
    | where Status in (401, 403)
    | summarize Failures = count())
| summarize Failures = max(Failures)`;

/**
 * Secret reads per caller: `AZKVAuditLogs` (resource-specific table of the Key Vault diagnostic
 * setting, category group `audit`; columns OperationName, Identity (dynamic: claim.oid,
 * claim.appid), CallerIpAddress, _ResourceId). A managed identity's `oid` is its principal id.
 */
export const KEY_VAULT_SECRET_READS = `AZKVAuditLogs
| where OperationName in ("SecretGet", "SecretList")
| extend Caller = coalesce(tostring(Identity.claim.oid), tostring(Identity.claim.appid), CallerIpAddress)
| summarize Reads = count() by Caller, Vault = tostring(split(_ResourceId, "/")[-1])`;

/**
 * Requests the vault refused: `AZKVAuditLogs` (columns HttpStatusCode (int), OperationName,
 * Identity, CallerIpAddress, ResultSignature).
 */
export const KEY_VAULT_ACCESS_DENIED = `AZKVAuditLogs
| where HttpStatusCode == 403
| extend Caller = coalesce(tostring(Identity.claim.oid), tostring(Identity.claim.appid), CallerIpAddress)
| summarize Denied = count() by Caller, OperationName`;

/**
 * Containers that stop because a required secret is missing (SOP 003 fail fast), from the two
 * resource-specific tables of the ACA environment's diagnostic setting (columns ContainerAppName,
 * Log):
 * - `ContainerAppSystemLogs`: the platform could not resolve a Key Vault secret reference
 *   (`secretRef` with `keyVaultUrl`) when provisioning a revision;
 * - `ContainerAppConsoleLogs`: the app's own fail-fast line. Contract for the app teams (to document in README):
 *   before exiting, log `missing required secret <ENV_VAR>`.
 * Parameters: appPrefix (the container apps' common name prefix, `ca-engram-<env>-`).
 */
export const MISSING_SECRET_EXITS = `union isfuzzy=true
  (ContainerAppSystemLogs
    | where ContainerAppName startswith appPrefix
    | where Log has "secret" and Log has_any ("failed", "unable", "not found", "forbidden")),
  (ContainerAppConsoleLogs
    | where ContainerAppName startswith appPrefix
    | where Log contains "missing required secret")
| summarize Exits = count() by ContainerAppName`;

/**
 * The AKS form of API_AUTH_FAILURES (runtime aks): the same two sources, the console arm from
 * `ContainerLogV2` (Container Insights with the ContainerLogV2 schema, components/aks-cluster.ts;
 * columns PodNamespace, PodName, LogMessage (dynamic)): the backend's pods in the app namespace.
 * Parameters: backendApp (the backend's app name, its Deployment and its cloud role name),
 * namespace (`engram`).
 */
export const API_AUTH_FAILURES_AKS = `union isfuzzy=true
  (AppRequests
    | where AppRoleName =~ backendApp
    | where ResultCode in ("401", "403")
    | summarize Failures = count()),
  (ContainerLogV2
    | where PodNamespace == namespace and PodName startswith strcat(backendApp, "-")
    | extend Status = toint(extract(@'HTTP/[0-9.]+"\\s+(\\d{3})', 1, tostring(LogMessage)))
    | where Status in (401, 403)
    | summarize Failures = count())
| summarize Failures = max(Failures)`;

/**
 * The AKS form of MISSING_SECRET_EXITS (runtime aks), per app (the pod name without its
 * ReplicaSet and pod suffixes):
 * - `KubeEvents` (Container Insights; columns Namespace, Name (the pod), ObjectKind, Reason,
 *   Message): the Secrets Store CSI driver could not mount a Key Vault secret (FailedMount), or the
 *   kubelet could not find the synced Secret or one of its keys (Failed);
 * - `ContainerLogV2`: the app's own fail-fast line `missing required secret <ENV_VAR>`.
 * Parameters: namespace (`engram`).
 */
export const MISSING_SECRET_EXITS_AKS = `union isfuzzy=true
  (KubeEvents
    | where Namespace == namespace and ObjectKind == "Pod"
    | where Reason in ("FailedMount", "Failed")
    | where Message has_any ("secret", "SecretProviderClass", "secrets-store")
    | extend PodName = Name),
  (ContainerLogV2
    | where PodNamespace == namespace
    | where tostring(LogMessage) contains "missing required secret")
| extend App = extract(@"^(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$", 1, PodName)
| extend App = iff(isempty(App), PodName, App)
| summarize Exits = count() by App`;

/**
 * Failed Entra sign-ins to the API app: `SigninLogs` (Entra tenant diagnostic setting, exported
 * by a tenant administrator — this program cannot create it; columns ResourceIdentity (the
 * resource app id), ResultType (string, "0" = success), UserPrincipalName, IPAddress).
 * Parameters: apiAppId (the API registration's client id).
 */
export const API_SIGN_IN_FAILURES = `SigninLogs
| where ResourceIdentity == apiAppId
| where ResultType != "0"
| summarize Failures = count() by UserPrincipalName, IPAddress`;

/** Every log-alert query with the tables it reads (tests check each table is filled). */
export const QUERY_TABLES: Record<string, readonly string[]> = {
  API_AUTH_FAILURES: ["AppRequests", "ContainerAppConsoleLogs"],
  KEY_VAULT_SECRET_READS: ["AZKVAuditLogs"],
  KEY_VAULT_ACCESS_DENIED: ["AZKVAuditLogs"],
  MISSING_SECRET_EXITS: ["ContainerAppSystemLogs", "ContainerAppConsoleLogs"],
  API_AUTH_FAILURES_AKS: ["AppRequests", "ContainerLogV2"],
  MISSING_SECRET_EXITS_AKS: ["KubeEvents", "ContainerLogV2"],
  API_SIGN_IN_FAILURES: ["SigninLogs"],
};

/** A KQL string literal. */
function kqlString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The query with its parameters bound by `let` statements in front of it. */
export function renderQuery(query: string, params: Record<string, string> = {}): string {
  const lets = Object.keys(params)
    .sort()
    .map((k) => `let ${k} = ${kqlString(params[k])};`);
  return [...lets, query].join("\n");
}
