import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";

/** One log alert, already bound to its environment (query parameters rendered, threshold set). */
export interface LogAlertSpec {
  /** The Azure name (`alert-engram-<env>-<key>`). */
  ruleName: string;
  displayName: string;
  /** What to do, including the incident-response steps. */
  description: string;
  severity: 0 | 1 | 2 | 3 | 4;
  /** The KQL, run over the workspace. */
  query: pulumi.Input<string>;
  /** The numeric column the threshold applies to. */
  measureColumn: string;
  /** Columns that split the alert into one per value (one per caller). */
  dimensions: readonly string[];
  /** The alert fires when the measure reaches this value within the window. */
  threshold: number;
  /** ISO 8601 durations. */
  window: string;
  frequency: string;
}

/** The activity-log alert on role assignment writes and deletes. */
export interface RoleAssignmentAlertSpec {
  /** The Azure name (`alert-engram-<env>-role-assignment-changes`). */
  ruleName: string;
  description: string;
  /** Recorded as the `alert-severity` tag (activity-log alerts have no severity property). */
  severity: 0 | 1 | 2 | 3 | 4;
  operations: readonly string[];
  /** Activity-log events under this prefix match: the environment's resource group. */
  scopeId: pulumi.Input<string>;
}

export interface SecurityAlertsArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  tags: Record<string, string>;
  /** The workspace the log alerts query. */
  workspaceId: pulumi.Input<string>;
  /** The action group every alert notifies. */
  actionGroupId: pulumi.Input<string>;
  /** Log alerts, keyed by a stable key (logical names derive from it). */
  logAlerts: Record<string, LogAlertSpec>;
  roleAssignments: RoleAssignmentAlertSpec;
}

/**
 * The security alerts of one environment (SOP 000 Logging & Monitoring): scheduled log-search rules
 * over the workspace and an activity-log alert on role assignment changes, all notifying the
 * environment's action group.
 */
export class SecurityAlerts extends pulumi.ComponentResource {
  /** Rule ids by key, the activity-log alert under `roleAssignments`. */
  readonly ruleIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: SecurityAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:observability:SecurityAlerts", name, {}, opts);
    this.ruleIds = {};

    for (const key of Object.keys(args.logAlerts).sort()) {
      const a = args.logAlerts[key];
      const rule = new monitor.ScheduledQueryRule(
        `${name}-${key}`,
        {
          ruleName: a.ruleName,
          displayName: a.displayName,
          description: a.description,
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          kind: monitor.Kind.LogAlert,
          enabled: true,
          severity: a.severity,
          scopes: [args.workspaceId],
          evaluationFrequency: a.frequency,
          windowSize: a.window,
          criteria: {
            allOf: [
              {
                criterionType: monitor.CriterionType.StaticThresholdCriterion,
                query: a.query,
                timeAggregation: monitor.TimeAggregation.Total,
                metricMeasureColumn: a.measureColumn,
                dimensions: a.dimensions.map((d) => ({
                  name: d,
                  operator: monitor.DimensionOperator.Include,
                  values: ["*"],
                })),
                // The scheduled-query API's operator names (monitor.Operator), not ConditionOperator's.
                operator: monitor.Operator.GreaterThanOrEqual,
                threshold: a.threshold,
                failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
              },
            ],
          },
          autoMitigate: true,
          // The tables are created by the first record a diagnostic setting ships; a rule created
          // in the same deployment would otherwise fail validation on a fresh workspace. Tests
          // check each query reads only tables this program's diagnostic settings fill.
          skipQueryValidation: true,
          checkWorkspaceAlertsStorageConfigured: false,
          actions: { actionGroups: [args.actionGroupId] },
          tags: args.tags,
        },
        { parent: this },
      );
      this.ruleIds[key] = rule.id;
    }

    const ra = args.roleAssignments;
    const activity = new monitor.ActivityLogAlert(
      `${name}-role-assignments`,
      {
        activityLogAlertName: ra.ruleName,
        description: ra.description,
        resourceGroupName: args.resourceGroupName,
        // Activity-log alert rules are global.
        location: "Global",
        enabled: true,
        scopes: [ra.scopeId],
        condition: {
          allOf: [
            { field: "category", equals: "Administrative" },
            { anyOf: ra.operations.map((op) => ({ field: "operationName", equals: op })) },
            // One notification per change (not also for its Started event).
            { field: "status", equals: "Succeeded" },
          ],
        },
        actions: { actionGroups: [{ actionGroupId: args.actionGroupId }] },
        tags: { ...args.tags, "alert-severity": `Sev${ra.severity}` },
      },
      { parent: this },
    );
    this.ruleIds.roleAssignments = activity.id;

    this.registerOutputs({ ruleIds: this.ruleIds });
  }
}
