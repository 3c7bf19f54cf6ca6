import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";

/**
 * What one kind of resource sends to the workspace, and the tables it lands in. The tables are
 * what the alert queries (src/observability/queries.ts) read, so a test can prove that every query
 * reads a table some diagnostic setting fills.
 *
 * Categories and tables: https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/logs-index
 */
export interface DiagnosticProfile {
  /** What the target is, for descriptions and the report. */
  title: string;
  /** Log category groups (`audit`, `allLogs`). */
  categoryGroups?: readonly string[];
  /** Individual log categories, where the groups are too wide or do not exist. */
  categories?: readonly string[];
  /** Metric categories (`AllMetrics`, or `Transaction` for storage services). */
  metrics: readonly string[];
  /**
   * Resource-specific tables (`logAnalyticsDestinationType: "Dedicated"`) where the service offers
   * them; otherwise the logs go where the service puts them (AzureDiagnostics, or a table the
   * service always uses).
   */
  dedicated: boolean;
  /** The workspace tables these logs land in. */
  tables: readonly string[];
}

export const DIAGNOSTIC_PROFILES = {
  /** Every data-plane call (SecretGet, SecretList, denied requests) with caller and result. */
  keyVault: {
    title: "Key Vault",
    categoryGroups: ["audit"],
    metrics: ["AllMetrics"],
    dedicated: true,
    tables: ["AZKVAuditLogs", "AZKVPolicyEvaluationDetailsLogs"],
  },
  /** The blob service (not the account): reads, writes and deletes of blobs, with the caller. */
  blobService: {
    title: "Storage blob service",
    categories: ["StorageRead", "StorageWrite", "StorageDelete"],
    metrics: ["Transaction"],
    // Storage logs always land in their own table; the destination type does not apply.
    dedicated: false,
    tables: ["StorageBlobLogs"],
  },
  /**
   * Server logs (connections, authentication failures, pgaudit when enabled) and sessions. The
   * flexible server offers no resource-specific tables: its logs go to AzureDiagnostics.
   */
  postgresServer: {
    title: "PostgreSQL flexible server",
    categories: ["PostgreSQLLogs", "PostgreSQLFlexSessions"],
    metrics: ["AllMetrics"],
    dedicated: false,
    tables: ["AzureDiagnostics"],
  },
  /**
   * The Container Apps environment with `appLogsConfiguration.destination: "azure-monitor"`: the
   * containers' stdout/stderr and the platform's events (revisions, restarts, secret and image
   * errors). This setting is what ships them; no workspace shared key is involved.
   */
  containerAppsEnvironment: {
    title: "Container Apps environment",
    categories: ["ContainerAppConsoleLogs", "ContainerAppSystemLogs"],
    // App metrics are platform metrics of each container app; the environment exports none we need.
    metrics: [],
    dedicated: true,
    tables: ["ContainerAppConsoleLogs", "ContainerAppSystemLogs"],
  },
  /** WAF decisions (blocked and matched requests), access and performance logs of the gateway. */
  applicationGateway: {
    title: "Application Gateway (WAF)",
    categories: [
      "ApplicationGatewayFirewallLog",
      "ApplicationGatewayAccessLog",
      "ApplicationGatewayPerformanceLog",
    ],
    metrics: ["AllMetrics"],
    dedicated: true,
    tables: ["AGWFirewallLogs", "AGWAccessLogs", "AGWPerformanceLogs"],
  },
  /**
   * The AKS control plane (SOP 000: "AKS diagnostics"): the API server's audit log without get and
   * list (kube-audit-admin: every change, who made it), Entra and Azure RBAC decisions (guard), and
   * the API server's own log, in resource-specific tables: AKSAuditAdmin for the first, the others
   * in AKSControlPlane (with their category). Workload logs come from Container Insights instead
   * (its data collection rule, components/aks-cluster.ts).
   */
  aksCluster: {
    title: "AKS cluster (control plane)",
    categories: ["kube-audit-admin", "guard", "kube-apiserver"],
    metrics: ["AllMetrics"],
    dedicated: true,
    tables: ["AKSAuditAdmin", "AKSControlPlane"],
  },
  /** Who queried the audit trail (query audit), and the workspace's own metrics. */
  logAnalyticsWorkspace: {
    title: "Log Analytics workspace",
    categoryGroups: ["audit"],
    metrics: ["AllMetrics"],
    // The workspace's audit category always lands in LAQueryLogs.
    dedicated: false,
    tables: ["LAQueryLogs"],
  },
} as const satisfies Record<string, DiagnosticProfile>;

export type DiagnosticKind = keyof typeof DIAGNOSTIC_PROFILES;

/** Every table the diagnostic settings of this program fill, with the kinds that fill it. */
export function tablesProduced(kinds: readonly DiagnosticKind[]): Set<string> {
  return new Set(kinds.flatMap((k) => [...DIAGNOSTIC_PROFILES[k].tables]));
}

export interface DiagnosticSettingArgs {
  /** The resource whose logs are shipped, with a short stable label (`kv`, `psql-app`). */
  target: { id: pulumi.Input<string>; label: string };
  kind: DiagnosticKind;
  /** The ARM id of the environment's Log Analytics workspace. */
  workspaceId: pulumi.Input<string>;
  /**
   * The diagnostic setting's name on the target.
   * @default "to-log-analytics"
   */
  settingName?: string;
}

/**
 * The one way this program ships a resource's logs: a diagnostic setting to the environment's
 * workspace with the categories of its kind (SOP 000 Logging & Monitoring, Audit & Logging). The
 * logical name is `diag-<label>`, so adding a target never renames another.
 */
export function diagnosticSetting(
  args: DiagnosticSettingArgs,
  opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): monitor.DiagnosticSetting {
  const profile: DiagnosticProfile = DIAGNOSTIC_PROFILES[args.kind];
  const logs = [
    ...(profile.categoryGroups ?? []).map((categoryGroup) => ({ categoryGroup, enabled: true })),
    ...(profile.categories ?? []).map((category) => ({ category, enabled: true })),
  ];
  return new monitor.DiagnosticSetting(
    `diag-${args.target.label.replace(/[^a-zA-Z0-9-]+/g, "-")}`,
    {
      name: args.settingName ?? "to-log-analytics",
      resourceUri: args.target.id,
      workspaceId: args.workspaceId,
      logs,
      metrics: profile.metrics.map((category) => ({ category, enabled: true })),
      ...(profile.dedicated ? { logAnalyticsDestinationType: "Dedicated" } : {}),
    },
    opts,
  );
}

export interface DiagnosticsArgs {
  /** The ARM id of the environment's Log Analytics workspace. */
  workspaceId: pulumi.Input<string>;
  /** The targets, keyed by a stable label (`kv`, `psql-app`): adding one never renames another. */
  targets: Record<string, { id: pulumi.Input<string>; kind: DiagnosticKind }>;
}

/** The diagnostic settings of one environment's resources, one per target, all to one workspace. */
export class Diagnostics extends pulumi.ComponentResource {
  /** Diagnostic setting ids by target label. */
  readonly settingIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: DiagnosticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:observability:Diagnostics", name, {}, opts);
    this.settingIds = {};
    for (const label of Object.keys(args.targets).sort()) {
      const t = args.targets[label];
      this.settingIds[label] = diagnosticSetting(
        { target: { id: t.id, label }, kind: t.kind, workspaceId: args.workspaceId },
        { parent: this },
      ).id;
    }
    this.registerOutputs({ settingIds: this.settingIds });
  }
}
