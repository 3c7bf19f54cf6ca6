import * as pulumi from "@pulumi/pulumi";
import { AlertActionGroup } from "../../components/action-group";
import { DiagnosticKind, Diagnostics, diagnosticSetting } from "../../components/diagnostic-setting";
import { LogAnalytics } from "../../components/log-analytics";
import { LogAlertSpec, SecurityAlerts } from "../../components/security-alerts";
import { Context, Platform } from "../context";
import { applyAccess, Grantees } from "./grants";
import {
  alertDescription,
  LOG_ALERTS,
  LogAlertDefinition,
  LogAlertKey,
  onRuntime,
  ROLE_ASSIGNMENT_ALERT,
} from "../observability/alerts";
import { renderQuery } from "../observability/queries";

/** What the observability layer gives later layers and the stack outputs. */
export interface Monitoring {
  /** The workspace ARM id: the destination of every diagnostic setting and the scope of log alerts. */
  workspaceId: pulumi.Output<string>;
  /** The workspace GUID (`customerId`). */
  workspaceCustomerId: pulumi.Output<string>;
  appInsightsId: pulumi.Output<string>;
  /** Not a secret (no credential in it; local auth is off in higher envs), still an Output. */
  appInsightsConnectionString: pulumi.Output<string>;
  /** The action group every security alert notifies. */
  actionGroupId: pulumi.Output<string>;
  /** The component that holds the workspace: parent of the layer's other resources. */
  logAnalytics: LogAnalytics;
}

/**
 * The environment's workspace and workspace-based Application Insights (retention from the
 * matrix), the workspace's own audit diagnostic setting, and the action group of the alerts
 * (DESIGN.md §8, SOP 000 Logging & Monitoring, Audit & Logging).
 */
export function buildObservability(ctx: Context, platform: Platform): Monitoring {
  const cfg = ctx.cfg;
  const logAnalytics = new LogAnalytics("observability", {
    workspaceName: ctx.name("logAnalyticsWorkspace"),
    appInsightsName: ctx.name("applicationInsights"),
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
    retentionInDays: cfg.decisions.logRetentionDays.value,
    // Shared-key auth off wherever the matrix turns shared keys off (the Azure Policy built-in);
    // nothing in this program uses the workspace key.
    disableLocalAuth: !cfg.decisions.sharedKeyAccess.value,
    // DESIGN.md §8 exception: no Azure Monitor Private Link Scope yet, so the platform's
    // diagnostic pipeline and the apps' telemetry reach the workspace over its public endpoint.
    publicIngestion: "Enabled",
    // Same exception for queries: without a Private Link Scope, disabling public query access
    // would leave the security team (portal) unable to read the audit trail. Queries still need
    // an Entra token and Log Analytics Reader (local auth is off in higher envs).
    publicQuery: "Enabled",
    protect: ctx.protect,
  });

  diagnosticSetting(
    {
      target: { id: logAnalytics.workspaceId, label: "log" },
      kind: "logAnalyticsWorkspace",
      workspaceId: logAnalytics.workspaceId,
    },
    { parent: logAnalytics },
  );

  const actionGroup = new AlertActionGroup("alerts", {
    actionGroupName: ctx.name("actionGroup"),
    shortName: `eng-${cfg.environment}`,
    resourceGroupName: platform.resourceGroupName,
    tags: ctx.tags,
    emails: cfg.alertEmails,
  });

  return {
    workspaceId: logAnalytics.workspaceId,
    workspaceCustomerId: logAnalytics.workspaceCustomerId,
    appInsightsId: logAnalytics.appInsightsId,
    appInsightsConnectionString: logAnalytics.appInsightsConnectionString,
    actionGroupId: actionGroup.id,
    logAnalytics,
  };
}

/**
 * What the data layer gives the diagnostic settings. Declared here, by the layer that reads it, so
 * the data layer imports this one and never the other way round.
 */
export interface DataDiagnosticTargets {
  keyVaultId: pulumi.Output<string>;
  storageAccountId: pulumi.Output<string>;
  /** `<storageAccountId>/blobServices/default` */
  blobServiceId: pulumi.Output<string>;
  /** Postgres server ids by role: `app`, plus `platform` in uat/staging/prod. */
  postgresServerIds: Record<string, pulumi.Output<string>>;
}

/** What the runtime layer gives the diagnostic settings. */
export interface RuntimeDiagnosticTargets {
  /** The Container Apps environment (appLogsConfiguration.destination "azure-monitor"); runtime aca. */
  managedEnvironmentId?: pulumi.Input<string>;
  /** The AKS cluster (control-plane logs); runtime aks. */
  managedClusterId?: pulumi.Input<string>;
  /** The Application Gateway (WAF), when the environment has one. */
  applicationGatewayId?: pulumi.Input<string>;
}

export interface AlertsAndDiagnosticsInputs {
  monitoring: Monitoring;
  /** The data layer (Key Vault, Storage, Postgres). */
  data?: { diagnosticTargets: DataDiagnosticTargets };
  runtime?: { diagnosticTargets: RuntimeDiagnosticTargets };
  /**
   * The service identities, for their rows of src/access.ts on Application Insights (the backend
   * reads its telemetry; backend and worker publish it: where local auth is off, in
   * uat/staging/prod, ingestion takes an Entra token with Monitoring Metrics Publisher). @default {}
   */
  identities?: Grantees["identities"];
  /** The API registration's client id, for the optional Entra sign-in alert. */
  apiClientId?: pulumi.Input<string>;
}

export interface AlertsAndDiagnostics {
  diagnostics: Diagnostics;
  /** Undefined when alerts are off (dev/test by default). */
  alerts?: SecurityAlerts;
}

/** The namespace the workloads run in on AKS (DESIGN.md §11; src/layers/runtime/aks/names.ts). */
const AKS_APP_NAMESPACE = "engram";

/** `ca-engram-<env>-`: the prefix of every container app name (the naming helper's own rule). */
const appPrefix = (ctx: Context) => ctx.name("containerApp", "x").replace(/x$/, "");

/**
 * Diagnostic settings for every resource the other layers create, the security alerts (on where
 * the matrix says so), and the observability grants of DESIGN.md §4.
 */
export function buildAlertsAndDiagnostics(
  ctx: Context,
  platform: Platform,
  inputs: AlertsAndDiagnosticsInputs,
): AlertsAndDiagnostics {
  const cfg = ctx.cfg;
  const { monitoring, data, runtime } = inputs;

  const targets: Record<string, { id: pulumi.Input<string>; kind: DiagnosticKind }> = {};
  if (data) {
    const d = data.diagnosticTargets;
    targets.kv = { id: d.keyVaultId, kind: "keyVault" };
    targets["st-blob"] = { id: d.blobServiceId, kind: "blobService" };
    for (const role of Object.keys(d.postgresServerIds).sort())
      targets[`psql-${role}`] = { id: d.postgresServerIds[role], kind: "postgresServer" };
  }
  if (runtime) {
    const r = runtime.diagnosticTargets;
    if (r.managedEnvironmentId !== undefined)
      targets.cae = { id: r.managedEnvironmentId, kind: "containerAppsEnvironment" };
    if (r.managedClusterId !== undefined) targets.aks = { id: r.managedClusterId, kind: "aksCluster" };
    if (r.applicationGatewayId) targets.agw = { id: r.applicationGatewayId, kind: "applicationGateway" };
  }
  const diagnostics = new Diagnostics("diagnostics", { workspaceId: monitoring.workspaceId, targets });

  // DESIGN.md §4 (src/access.ts): the backend reads its own telemetry, backend and worker publish
  // it; the security team reads the audit trail.
  const grantees: Grantees = { identities: inputs.identities ?? {}, groups: cfg.groups };
  const onWorkspace = () => ({ parent: monitoring.logAnalytics });
  applyAccess(ctx, platform, "appi", { id: monitoring.appInsightsId, label: "appi" }, grantees, onWorkspace);
  applyAccess(ctx, platform, "log", { id: monitoring.workspaceId, label: "log" }, grantees, onWorkspace);

  if (!cfg.decisions.alerts.value) return { diagnostics };

  const runtimeKind = cfg.decisions.runtime.value;
  const aks = runtimeKind === "aks";
  const params: Record<LogAlertKey, pulumi.Input<Record<string, string>>> = {
    // On AKS the backend is the Deployment `backend` in the app namespace (src/layers/runtime/aks).
    apiAuthFailures: aks
      ? { backendApp: "backend", namespace: AKS_APP_NAMESPACE }
      : { backendApp: ctx.name("containerApp", "backend") },
    keyVaultSecretReads: {},
    keyVaultAccessDenied: {},
    missingSecretExits: aks ? { namespace: AKS_APP_NAMESPACE } : { appPrefix: appPrefix(ctx) },
    apiSignInFailures: pulumi.output(inputs.apiClientId ?? "").apply((apiAppId) => ({ apiAppId })),
  };
  if (cfg.signInAlerts && inputs.apiClientId === undefined)
    throw new Error("the Entra sign-in alert (engram:signInAlerts) needs the API registration's client id");
  const keys = (Object.keys(LOG_ALERTS) as LogAlertKey[]).filter((k) => {
    const a: LogAlertDefinition = LOG_ALERTS[k];
    return a.enabledBy === undefined || cfg[a.enabledBy];
  });
  const logAlerts: Record<string, LogAlertSpec> = {};
  for (const k of keys) {
    const a = onRuntime(LOG_ALERTS[k], runtimeKind);
    logAlerts[a.key] = {
      ruleName: ctx.name("alertRule", a.key),
      displayName: a.displayName,
      description: alertDescription(a.action),
      severity: a.severity,
      query: pulumi.output(params[k]).apply((p) => renderQuery(a.query, p)),
      measureColumn: a.measureColumn,
      dimensions: a.dimensions,
      threshold: cfg.alertThresholds[a.thresholdKey],
      window: a.window,
      frequency: a.frequency,
    };
  }

  const alerts = new SecurityAlerts("security-alerts", {
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
    workspaceId: monitoring.workspaceId,
    actionGroupId: monitoring.actionGroupId,
    logAlerts,
    roleAssignments: {
      ruleName: ctx.name("alertRule", ROLE_ASSIGNMENT_ALERT.key),
      description: alertDescription(ROLE_ASSIGNMENT_ALERT.action),
      severity: ROLE_ASSIGNMENT_ALERT.severity,
      operations: ROLE_ASSIGNMENT_ALERT.operations,
      scopeId: platform.resourceGroupId,
    },
  });
  return { diagnostics, alerts };
}
