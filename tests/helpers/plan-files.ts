import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { PlanFailure, PlanResult } from "../../scripts/offline/plan";

/**
 * The plans of the committed stacks, written once per jest run by tests/global-setup.ts and read by
 * every test file (tests/helpers/plan.ts). Each run writes into a directory of its own under
 * build/plans/, named in the environment variable below; a test reads only the directory of its
 * own run, so a leftover of an older (or a concurrent) run is never read. Pure: reading a plan loads
 * neither the Pulumi SDK nor the program.
 */

export const ROOT = path.resolve(__dirname, "..", "..");
/** The project's name, from Pulumi.yaml (what scripts/offline/plan.ts plans as). */
export const PROJECT = (
  YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string }
).name;
export const PLANS_ROOT = path.join(ROOT, "build", "plans");
/** The directory of this jest run's committed plans; set by the global setup, inherited by the workers. */
export const PLANS_DIR_ENV = "ENGRAM_TEST_PLANS_DIR";

export type CommittedPlan =
  | {
      /** The plan of the committed stack file, or its refusal. */
      result: PlanResult | PlanFailure;
      /** The Markdown report (`plan/<stack>.md`) when the plan succeeded. */
      report?: string;
    }
  | {
      /** What planning the stack threw (a broken program), with its stack trace. */
      error: string;
    };

export function planFile(dir: string, stack: string): string {
  return path.join(dir, `${stack}.result.json`);
}

/** Writes one stack's plan (to a temporary name, then renamed: a reader never sees half a file). */
export function writeCommittedPlan(dir: string, stack: string, plan: CommittedPlan): void {
  const file = planFile(dir, stack);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(plan));
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * This run's plan of a committed stack, or undefined when no global setup ran (jest started with
 * another config): the caller then plans it itself.
 */
export function readCommittedPlan(stack: string): CommittedPlan | undefined {
  const dir = process.env[PLANS_DIR_ENV];
  if (!dir) return undefined;
  const file = planFile(dir, stack);
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: tests/global-setup.ts plans every committed stack before the tests`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as CommittedPlan;
}
