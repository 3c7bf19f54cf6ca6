import * as path from "path";
import { ENVIRONMENTS, Environment } from "../../src/matrix";
import { ProgramRun, runProgram } from "../../scripts/offline/engine";
import { PlanFailure, planStack, PlanResult, PROJECT, ROOT } from "../../scripts/offline/plan";
import { PlanIndex } from "../../scripts/offline/plan-index";
import { readStackFile } from "../../scripts/offline/stack-file";

/**
 * Test access to offline plans. One program run per (stack, overrides) per test file: plans are
 * cached, so many tests can read the same run.
 */

export { ENVIRONMENTS };
export type { Environment };

const cache = new Map<string, Promise<PlanResult | PlanFailure>>();

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

/** Plans a committed stack, optionally with config changes (see `changedConfig`). */
export function plan(
  stack: string,
  change: ConfigChange & { secretPlaceholders?: boolean } = {},
): Promise<PlanResult | PlanFailure> {
  const key = JSON.stringify([stack, change]);
  let p = cache.get(key);
  if (!p) {
    p = planStack({
      stack,
      config: changedConfig(stack, change),
      secretPlaceholders: change.secretPlaceholders,
    });
    cache.set(key, p);
  }
  return p;
}

/** Plans and expects success; returns the result with an index over its steps. */
export async function planOk(
  stack: string,
  change?: Parameters<typeof plan>[1],
): Promise<PlanResult & { index: PlanIndex }> {
  const r = await plan(stack, change);
  if (!r.ok) throw new Error(`stack ${stack} was refused:\n${r.problems.join("\n")}`);
  return { ...r, index: new PlanIndex(r.plan) };
}

/** Plans and expects the config to be refused; returns the problems. */
export async function planRefused(stack: string, change?: Parameters<typeof plan>[1]): Promise<string[]> {
  const r = await plan(stack, change);
  if (r.ok) throw new Error(`stack ${stack} was accepted, expected a refusal`);
  return r.problems;
}

/**
 * Runs a small test program (components on their own, no config) as stack `unit` under the offline
 * engine; its outputs are empty. `isolate` as in runProgram.
 */
export function runUnit(
  program: () => void | Promise<void>,
  opts: { isolate?: boolean } = {},
): Promise<ProgramRun> {
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
