import { byKey } from "../../../lib/text";
import { Decisions } from "../../../src/matrix";
import { SETTINGS, SETTING_KEYS } from "../../../src/matrix";
import { PlanResult } from "../plan";
import { PlanIndex } from "../plan-index";
import { accessSection } from "./access";
import { accessDiagramSection } from "./access-diagram";
import { aksClusterSection, aksWorkloadsSection } from "./aks";
import { networkPathsSection } from "./aks-network";
import { appsSection } from "./apps";
import { availabilitySection } from "./availability";
import { observabilitySection } from "./observability";
import { code, table } from "./format";
import { ReportInput, ReportSection } from "./section";
import { secretsSection } from "./secrets";

/**
 * The Markdown summary of an offline plan. Each section reads the plan (what would be deployed),
 * not the config, so the report can never claim something the plan does not contain. The one
 * exception is the matrix table, which shows the decisions the program was given.
 */

const header: ReportSection = ({ result }) =>
  [
    `# Offline plan: stack \`${result.stack}\` (environment \`${result.config.environment}\`)`,
    "",
    "Produced by `npm run plan` from the real program under Pulumi's mock runtime: the resources and inputs",
    "`pulumi preview` would show. Values that exist only after deployment (resource ids, principal and client",
    "ids, hostnames, generated secrets) are deterministic **placeholders**: subscription",
    "`00000000-0000-0000-0000-000000000000`, tenant `11111111-1111-1111-1111-111111111111`. Secret values",
    "appear only as `[secret]`.",
  ].join("\n");

const matrix: ReportSection = ({ result }) => {
  const d: Decisions = result.config.decisions;
  const rows = SETTING_KEYS.map((k) => {
    const s = SETTINGS[k];
    const unit = s.kind === "number" ? ` ${s.unit}` : "";
    return [s.title, code(`engram:${k}`), `${String(d[k].value)}${unit}`, d[k].source];
  });
  const f = result.config.fixed;
  rows.push(
    ["localhost origins (CORS, SPA redirects)", "—", String(f.localhostOrigins), "environment"],
    ["container images pinned by digest", "—", String(f.imageDigestRequired), "environment"],
    ["Temporal UI reachable from the admin allowlist", "—", String(f.temporalUiAllowlist), "environment"],
    [
      "break-glass credential maximum lifetime",
      "—",
      f.breakGlassMaxHours === null ? "never issued" : `${f.breakGlassMaxHours} hours`,
      "environment",
    ],
    ["API replicas", "—", `${f.replicas.min}-${f.replicas.max}`, "environment"],
    ["blob soft delete and versioning", "—", String(f.blobDataProtection), "environment"],
    [
      "Postgres compute and backup retention",
      "—",
      `${f.postgres.sku.name} (${f.postgres.sku.tier}), ${f.postgres.backupRetentionDays} days`,
      "environment",
    ],
  );
  return [
    "## Environment matrix in force",
    "",
    table(["setting", "config key", "value", "source"], rows),
  ].join("\n");
};

const counts: ReportSection = ({ index }) => {
  const byType = new Map<string, number>();
  for (const s of index.resources) byType.set(s.newState.type, (byType.get(s.newState.type) ?? 0) + 1);
  const rows = [...byType.entries()].sort(byKey).map(([t, n]) => [code(t), String(n)]);
  return [
    "## Resources by type",
    "",
    `${index.resources.length} resources (${index.resources.filter((s) => s.newState.custom).length} cloud resources, ${index.resources.filter((s) => !s.newState.custom).length} components), ${index.steps.length} steps including the stack and default providers.`,
    "",
    table(["type", "count"], rows),
  ].join("\n");
};

const protectedResources: ReportSection = ({ index }) => {
  const p = index.resources.filter((s) => s.newState.protect);
  if (p.length === 0)
    return "## Protected resources\n\nNone: this environment does not protect stateful resources.";
  return [
    "## Protected resources",
    "",
    table(
      ["resource", "type"],
      p.map((s) => [code(index.logicalName(s)), code(s.newState.type)]),
    ),
  ].join("\n");
};

const diagnostics: ReportSection = ({ result }) => {
  const d = result.plan.diagnostics;
  if (d.length === 0) return undefined;
  return ["## Diagnostics", "", ...d.map((x) => `- ${x.severity}: ${x.message.trim()}`)].join("\n");
};

/** Sections in report order. Later capabilities add theirs here. */
export const SECTIONS: ReportSection[] = [
  header,
  matrix,
  counts,
  protectedResources,
  availabilitySection,
  accessSection,
  accessDiagramSection,
  observabilitySection,
  appsSection,
  secretsSection,
  aksClusterSection,
  aksWorkloadsSection,
  networkPathsSection,
  diagnostics,
];

export function renderReport(result: PlanResult): string {
  const input: ReportInput = { result, index: new PlanIndex(result.plan) };
  return `${SECTIONS.map((s) => s(input))
    .filter((s): s is string => s !== undefined)
    .join("\n\n")}\n`;
}
