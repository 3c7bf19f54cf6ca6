import { byCodePoint } from "../../../lib/text";
import { Inputs, inputsOf, lastSegment, table } from "./format";
import { ReportSection } from "./section";

/**
 * Observability as planned: the workspace (retention, local auth), every diagnostic setting
 * (target -> workspace, categories) and every security alert (severity, threshold, window,
 * enabled). Reads the plan only.
 */

/** The last `type/name` pairs of an ARM id: `vaults/kv-engram-prod-1a2b3c`. */
const lastPairs = (id: unknown, pairs = 1): string =>
  typeof id === "string"
    ? id
        .split("/")
        .slice(-2 * pairs)
        .join("/")
    : String(id);

function categories(i: Inputs): string {
  const logs = (i.logs as Inputs[] | undefined) ?? [];
  const metrics = (i.metrics as Inputs[] | undefined) ?? [];
  const parts = [
    ...logs.map((l) => (l.categoryGroup ? `group:${String(l.categoryGroup)}` : String(l.category))),
    ...metrics.map((m) => `metrics:${String(m.category)}`),
  ];
  return parts.join(", ");
}

export const observabilitySection: ReportSection = ({ index }) => {
  const workspaces = index.ofType("azure-native:operationalinsights:Workspace");
  if (workspaces.length === 0) return undefined;
  const out: string[] = ["## Observability", ""];

  out.push(
    table(
      ["workspace", "retention (days)", "local (shared-key) auth", "public ingestion", "public query"],
      workspaces.map((w) => {
        const i = inputsOf(w);
        const f = (i.features as Inputs | undefined) ?? {};
        return [
          String(i.workspaceName),
          String(i.retentionInDays),
          f.disableLocalAuth === true ? "disabled" : "enabled",
          String(i.publicNetworkAccessForIngestion),
          String(i.publicNetworkAccessForQuery),
        ];
      }),
    ),
  );

  const diags = index.ofType("azure-native:monitor:DiagnosticSetting");
  out.push(
    "",
    "### Diagnostic settings",
    "",
    table(
      ["target", "workspace", "categories", "tables"],
      diags
        .map((d) => {
          const i = inputsOf(d);
          return [
            lastPairs(i.resourceUri, String(i.resourceUri).includes("/blobServices/") ? 2 : 1),
            lastSegment(i.workspaceId),
            categories(i),
            i.logAnalyticsDestinationType === "Dedicated" ? "resource-specific" : "service default",
          ];
        })
        .sort((a, b) => byCodePoint(a[0], b[0])),
    ),
  );

  const rules = index.ofType("azure-native:monitor:ScheduledQueryRule").map((r) => {
    const i = inputsOf(r);
    const c = ((i.criteria as Inputs).allOf as Inputs[])[0];
    return [
      String(i.ruleName),
      `Sev${String(i.severity)}`,
      `${String(c.metricMeasureColumn)} ≥ ${String(c.threshold)} in ${String(i.windowSize)}`,
      String(i.enabled),
    ];
  });
  const activity = index.ofType("azure-native:monitor:ActivityLogAlert").map((r) => {
    const i = inputsOf(r);
    const tags = (i.tags as Record<string, string> | undefined) ?? {};
    return [String(i.activityLogAlertName), tags["alert-severity"] ?? "—", "any event", String(i.enabled)];
  });
  const alerts = [...rules, ...activity].sort((a, b) => byCodePoint(a[0], b[0]));
  out.push("", "### Security alerts", "");
  if (alerts.length === 0) out.push("None: alerts are off in this environment (`engram:alerts`).");
  else out.push(table(["alert", "severity", "threshold", "enabled"], alerts));

  const expiry = index.ofType("azure-native:eventgrid:SystemTopicEventSubscription").map((r) => {
    const i = inputsOf(r);
    const destination = i.destination as Inputs;
    const events = ((i.filter as Inputs).includedEventTypes as string[]).map((e) =>
      e.replace(/^Microsoft\.KeyVault\./, ""),
    );
    return [String(i.eventSubscriptionName), String(destination.severity), events.join(", ")];
  });
  out.push("", "### Key Vault expiry alerts", "");
  if (expiry.length === 0) out.push("None: alerts are off in this environment (`engram:alerts`).");
  else
    out.push(
      table(
        ["alert", "severity", "Key Vault events"],
        expiry.sort((a, b) => byCodePoint(a[0], b[0])),
      ),
    );
  return out.join("\n");
};
