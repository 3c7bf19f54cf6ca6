import * as fs from "fs";
import * as path from "path";
import type { ProgramRun } from "../../scripts/offline/engine";
import type { PlanFailure, PlanResult } from "../../scripts/offline/plan";
import { PlanIndex } from "../../scripts/offline/plan-index";
import { readStackFile } from "../../scripts/offline/stack-file";
import { ENVIRONMENTS, Environment } from "../../src/matrix";
import { PROJECT, readCommittedPlan, ROOT } from "./plan-files";

/**
 * Test access to offline plans. A committed stack (no change) is read from the plan the global
 * setup wrote for this jest run (tests/global-setup.ts): no program run, and neither the Pulumi SDK
 * nor the program is loaded. A variant (a config change) runs the program in this test file, once
 * per (stack, change): later calls share the run.
 */

export { ENVIRONMENTS };
export type { Environment };

const cache = new Map<string, Promise<PlanResult | PlanFailure>>();
const reports = new Map<string, Promise<string>>();

/** The committed stack file's config, as full keys. */
export function stackConfig(stack: string): { values: Record<string, string>; secretKeys: string[] } {
  const f = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
  return { values: f.values, secretKeys: f.secretKeys };
}

export interface ConfigChange {
  set?: Record<string, unknown>;
  secrets?: Record<string, string>;
  unset?: string[];
}

export type PlanChange = ConfigChange & { secretPlaceholders?: boolean };

/**
 * A committed stack's config with changes: `set` replaces values (objects and lists given as JS
 * values are JSON-encoded), `secrets` adds secret values, `unset` removes keys.
 */
export function changedConfig(
  stack: string,
  change: ConfigChange,
): { values: Record<string, string>; secretKeys: string[] } {
  const base = stackConfig(stack);
  const values = { ...base.values };
  const secretKeys = [...base.secretKeys];
  for (const [k, v] of Object.entries(change.set ?? {}))
    values[k] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(change.secrets ?? {})) {
    values[k] = v;
    secretKeys.push(k);
  }
  for (const k of change.unset ?? []) delete values[k];
  return { values, secretKeys };
}

/** A committed stack planned as its stack file stands. */
function isCommitted(stack: string, change: PlanChange): boolean {
  return (
    (ENVIRONMENTS as readonly string[]).includes(stack) &&
    fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`)) &&
    Object.keys(change.set ?? {}).length === 0 &&
    Object.keys(change.secrets ?? {}).length === 0 &&
    (change.unset ?? []).length === 0 &&
    (change.secretPlaceholders ?? true)
  );
}

/** Plans a committed stack, optionally with config changes (see `changedConfig`). */
export function plan(stack: string, change: PlanChange = {}): Promise<PlanResult | PlanFailure> {
  const committed = isCommitted(stack, change);
  const key = committed ? stack : JSON.stringify([stack, change]);
  let p = cache.get(key);
  if (!p) {
    const written = committed ? readCommittedPlan(stack) : undefined;
    p = written
      ? "error" in written
        ? Promise.reject(
            new Error(
              `planning the committed stack ${stack} threw (tests/global-setup.ts):\n${written.error}`,
            ),
          )
        : Promise.resolve(written.result)
      : import("../../scripts/offline/plan").then(({ planStack }) =>
          planStack({
            stack,
            config: changedConfig(stack, change),
            secretPlaceholders: change.secretPlaceholders,
          }),
        );
    cache.set(key, p);
  }
  return p;
}

/** Plans and expects success; returns the result with an index over its steps. */
export async function planOk(stack: string, change?: PlanChange): Promise<PlanResult & { index: PlanIndex }> {
  const r = await plan(stack, change);
  if (!r.ok) throw new Error(`stack ${stack} was refused:\n${r.problems.join("\n")}`);
  return { ...r, index: new PlanIndex(r.plan) };
}

/** Plans and expects the config to be refused; returns the problems. */
export async function planRefused(stack: string, change?: PlanChange): Promise<string[]> {
  const r = await plan(stack, change);
  if (r.ok) throw new Error(`stack ${stack} was accepted, expected a refusal`);
  return r.problems;
}

/**
 * The Markdown report of a plan (what `npm run plan` writes to plan/<stack>.md): a committed
 * stack's as the global setup rendered it, a variant's rendered here.
 */
export function report(stack: string, change: PlanChange = {}): Promise<string> {
  const key = JSON.stringify([stack, change]);
  let p = reports.get(key);
  if (!p) {
    const committed = isCommitted(stack, change) ? readCommittedPlan(stack) : undefined;
    const written = committed && "report" in committed ? committed.report : undefined;
    p =
      written !== undefined
        ? Promise.resolve(written)
        : Promise.all([planOk(stack, change), import("../../scripts/offline/report")]).then(
            ([r, { renderReport }]) => renderReport(r),
          );
    reports.set(key, p);
  }
  return p;
}

/**
 * Runs a small test program (components on their own, no config) as stack `unit` under the offline
 * engine; its outputs are empty. `isolate` as in runProgram.
 */
export async function runUnit(
  program: () => void | Promise<void>,
  opts: { isolate?: boolean } = {},
): Promise<ProgramRun> {
  const { runProgram } = await import("../../scripts/offline/engine");
  return runProgram({
    project: PROJECT,
    stack: "unit",
    config: {},
    secretKeys: [],
    program: async () => {
      await program();
      return {};
    },
    isolate: opts.isolate,
  });
}
