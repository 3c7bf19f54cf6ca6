import type { CheckResult } from "./checks";
import type { Expected } from "./expected";
import type { StackOutputs } from "./outputs";
import { CHECKS } from "./checks";

/** What `npm run validate` prints and keeps: one line per check, and the JSON report for the auditor. */

export function resultLine(r: CheckResult): string {
  return `${r.status} ${r.id}: ${r.reason}`;
}

export interface Summary {
  pass: number;
  fail: number;
  skip: number;
}

export function summaryOf(results: readonly CheckResult[]): Summary {
  const n = (s: string) => results.filter((r) => r.status === s).length;
  return { pass: n("PASS"), fail: n("FAIL"), skip: n("SKIP") };
}

export function summaryLine(stack: string, s: Summary, strict: boolean): string {
  const verdict = s.fail > 0 || (strict && s.skip > 0) ? "release NOT validated" : "release validated";
  return `stack ${stack}: ${s.pass} passed, ${s.fail} failed, ${s.skip} skipped: ${verdict}${strict ? " (--strict: a skip counts as a failure)" : ""}`;
}

export interface ReportContext {
  stack: string;
  outputs: StackOutputs;
  expected?: Expected;
  startedAt: string;
  finishedAt: string;
  strict: boolean;
  env: NodeJS.ProcessEnv;
}

/** The report: what was validated (stack, environment, estate, commit and run), when, and each check with its evidence. */
export function reportOf(results: readonly CheckResult[], c: ReportContext): Record<string, unknown> {
  const run =
    c.env.GITHUB_RUN_ID && c.env.GITHUB_REPOSITORY
      ? `${c.env.GITHUB_SERVER_URL ?? "https://github.com"}/${c.env.GITHUB_REPOSITORY}/actions/runs/${c.env.GITHUB_RUN_ID}`
      : undefined;
  return {
    tool: "engram-infra npm run validate (SOP 000 Validation Checklist, per release)",
    stack: c.stack,
    environment: c.outputs.environment,
    ...(c.expected ? { runtime: c.expected.runtime } : {}),
    resourceGroupId: c.outputs.resourceGroupId,
    tenantId: c.outputs.tenantId,
    apiAudience: c.outputs.apiAudience,
    ...(c.env.GITHUB_SHA ? { commit: c.env.GITHUB_SHA } : {}),
    ...(run ? { run } : {}),
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    strict: c.strict,
    summary: summaryOf(results),
    checks: results.map((r) => ({
      id: r.id,
      status: r.status,
      reason: r.reason,
      sop: r.sop,
      title: r.title,
      evidence: r.evidence,
    })),
  };
}

/** The job summary (GITHUB_STEP_SUMMARY): the verdict, then one table row per check. */
export function summaryMarkdown(stack: string, results: readonly CheckResult[], strict: boolean): string {
  const cell = (v: string) => v.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const rows = results.map((r) => `| ${r.status} | \`${r.id}\` | ${cell(r.reason)} | ${cell(r.sop)} |`);
  return [
    `### Release validation: ${summaryLine(stack, summaryOf(results), strict)}`,
    "",
    "| result | check | reason | SOP line |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

/** `--help`: the usage, then every check with the SOP line it proves. */
export function helpText(usage: string): string {
  const lines = [usage, "", "Checks (one line each: PASS, FAIL or SKIP with the reason):"];
  for (const c of CHECKS) lines.push(`  ${c.id}`, `      ${c.title}`, `      proves: ${c.sop}`);
  return lines.join("\n");
}
