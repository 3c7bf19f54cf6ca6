import * as pulumi from "@pulumi/pulumi";
import { AlertActionGroup } from "../../components/action-group";
import { diagnosticSetting } from "../../components/diagnostic-setting";
import { LogAnalytics } from "../../components/log-analytics";
import { Context, Platform } from "../context";

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
