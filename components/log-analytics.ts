import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import { deletionLock } from "./deletion-lock";

export type NetworkAccess = "Enabled" | "Disabled";

export interface LogAnalyticsArgs {
  /** The workspace's Azure name (`log-engram-<env>`). */
  workspaceName: string;
  /** The Application Insights component's Azure name (`appi-engram-<env>`). */
  appInsightsName: string;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  tags: Record<string, string>;
  /** Days the workspace (and the workspace-based Application Insights) keep data: the matrix retention. */
  retentionInDays: number;
  /**
   * Refuse shared-key (local) auth: every reader and writer must bring an Entra token. The Azure
   * Policy built-in for Log Analytics requires it; Container Apps ship through a diagnostic setting
   * (destination `azure-monitor`) so nothing needs the workspace key.
   * @default true
   */
  disableLocalAuth?: boolean;
  /**
   * Public network access for ingestion. Without an Azure Monitor Private Link Scope the platform
   * services and the apps send telemetry over public endpoints (DESIGN.md §8 exception).
   * @default "Disabled"
   */
  publicIngestion?: NetworkAccess;
  /**
   * Public network access for queries (portal, alert rules, CLI).
   * @default "Disabled"
   */
  publicQuery?: NetworkAccess;
  /** Pulumi `protect` and a CanNotDelete lock: the workspace holds the audit trail. @default false */
  protect?: boolean;
}

/**
 * The environment's Log Analytics workspace and its workspace-based Application Insights
 * component (SOP 000 Audit & Logging: centralize in Log Analytics + App Insights; retain per env).
 * Application Insights stores its telemetry in the workspace (`IngestionMode: LogAnalytics`), so
 * both obey the one retention and the one access model.
 */
export class LogAnalytics extends pulumi.ComponentResource {
  /** The workspace ARM id (destination of every diagnostic setting). */
  readonly workspaceId: pulumi.Output<string>;
  readonly workspaceName: pulumi.Output<string>;
  /** The workspace GUID (`customerId`) that queries and agents address. */
  readonly workspaceCustomerId: pulumi.Output<string>;
  readonly appInsightsId: pulumi.Output<string>;
  /** Not a secret (it carries no credential), but kept as an Output for the apps' settings. */
  readonly appInsightsConnectionString: pulumi.Output<string>;

  constructor(name: string, args: LogAnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:observability:LogAnalytics", name, {}, opts);
    const disableLocalAuth = args.disableLocalAuth ?? true;
    const protect = args.protect ?? false;

    const workspace = new operationalinsights.Workspace(
      `${name}-log`,
      {
        workspaceName: args.workspaceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
        retentionInDays: args.retentionInDays,
        features: {
          disableLocalAuth,
          // Resource-context access: a reader of one resource sees that resource's logs only.
          enableLogAccessUsingOnlyResourcePermissions: true,
          // Data must live for the retention the matrix sets, not be purged after 30 days.
          immediatePurgeDataOn30Days: false,
        },
        publicNetworkAccessForIngestion: args.publicIngestion ?? "Disabled",
        publicNetworkAccessForQuery: args.publicQuery ?? "Disabled",
        tags: args.tags,
      },
      { parent: this, protect },
    );

    const appInsights = new applicationinsights.Component(
      `${name}-appi`,
      {
        resourceName: args.appInsightsName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "web",
        applicationType: applicationinsights.ApplicationType.Web,
        workspaceResourceId: workspace.id,
        ingestionMode: applicationinsights.IngestionMode.LogAnalytics,
        // Telemetry ingestion and queries need an Entra token, not the instrumentation key.
        disableLocalAuth,
        disableIpMasking: false,
        publicNetworkAccessForIngestion: args.publicIngestion ?? "Disabled",
        publicNetworkAccessForQuery: args.publicQuery ?? "Disabled",
        // Profiler and Snapshot Debugger data only ever in the organisation's own storage (Azure
        // Policy 0c4bd2e8); neither is used, so nothing is uploaded anywhere.
        forceCustomerStorageForProfiler: true,
        // No retentionInDays: a workspace-based component keeps its data for the workspace's
        // retention (and the classic property accepts only a fixed list of values).
        tags: args.tags,
      },
      { parent: this, protect },
    );

    if (protect) deletionLock(`${name}-log`, workspace, "The Log Analytics workspace", { parent: this });

    this.workspaceId = workspace.id;
    this.workspaceName = workspace.name;
    this.workspaceCustomerId = workspace.customerId;
    this.appInsightsId = appInsights.id;
    this.appInsightsConnectionString = appInsights.connectionString;
    this.registerOutputs({
      workspaceId: this.workspaceId,
      workspaceName: this.workspaceName,
      workspaceCustomerId: this.workspaceCustomerId,
      appInsightsId: this.appInsightsId,
      appInsightsConnectionString: this.appInsightsConnectionString,
    });
  }
}
