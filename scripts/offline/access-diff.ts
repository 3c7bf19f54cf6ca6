import { byCodePoint } from "../../lib/text";
import { accessModel, AccessModel, appRoleLine, grantLine } from "./access-model";
import { PreviewJson } from "./plan";
import { PlanIndex } from "./plan-index";

/**
 * What a change does to access: the role assignments, app-role assignments, secret readers and
 * network paths of two plans of one stack, compared (scripts/offline/access-model.ts), as Markdown
 * for a pull request. Reads the plans only.
 */

export const ACCESS_KINDS: [string, (m: AccessModel) => string[]][] = [
  ["Role assignments", (m) => m.roleGrants.map(grantLine)],
  ["App-role assignments", (m) => m.appRoleGrants.map(appRoleLine)],
  ["Secret readers", (m) => m.secretReaders],
  ["Network paths", (m) => m.networkPaths],
];

export interface KindDiff {
  kind: string;
  added: string[];
  removed: string[];
}

export function stackOf(plan: PreviewJson): string {
  return /^urn:pulumi:([^:]+)::/.exec(plan.steps[0]?.urn ?? "")?.[1] ?? "unknown";
}

export function accessDiff(base: PreviewJson, head: PreviewJson): KindDiff[] {
  const [b, h] = [base, head].map((p) => accessModel(new PlanIndex(p)));
  return ACCESS_KINDS.map(([kind, lines]) => {
    const [before, after] = [new Set(lines(b)), new Set(lines(h))];
    return {
      kind,
      added: [...after].filter((l) => !before.has(l)).sort(byCodePoint),
      removed: [...before].filter((l) => !after.has(l)).sort(byCodePoint),
    };
  });
}

/** Backticks in an entry would end its code span; none of ours has one, but a plan is input. */
const codeSpan = (s: string) => `\`${s.replace(/`/g, "'")}\``;

export function renderAccessDiff(base: PreviewJson, head: PreviewJson): string {
  const stack = stackOf(head);
  const env = String(head.config?.["engram:environment"] ?? "unknown");
  const diff = accessDiff(base, head);
  const changes = diff.reduce((n, d) => n + d.added.length + d.removed.length, 0);
  const out = [`### Access changes in \`${stack}\` (environment \`${env}\`)`, ""];
  if (changes === 0) {
    out.push("No change to role assignments, app-role assignments, secret readers or network paths.");
    return `${out.join("\n")}\n`;
  }
  out.push(
    `${changes} change${changes === 1 ? "" : "s"} for a security reviewer to approve (SOP 000 Change Control).`,
  );
  for (const d of diff) {
    out.push("", `**${d.kind}**`, "");
    if (d.added.length + d.removed.length === 0) out.push("No change.");
    for (const l of d.added) out.push(`- added ${codeSpan(l)}`);
    for (const l of d.removed) out.push(`- removed ${codeSpan(l)}`);
  }
  return `${out.join("\n")}\n`;
}
