import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { PlanFailure, PlanResult } from "../../scripts/offline/plan";
import { decodeExact, encodeExact } from "./plan-protocol";

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
/**
 * This jest run's plan servers (tests/helpers/plan-server.ts), as JSON: a list of `PlanServerAddress`.
 * Set by the global setup next to PLANS_DIR_ENV; unset, a variant is planned in the test file itself.
 */
export const PLAN_SERVERS_ENV = "ENGRAM_TEST_PLAN_SERVERS";

export interface PlanServerAddress {
  /** The Unix domain socket it listens on. */
  socket: string;
  /** Its stderr and stdout, named in the error when it crashed. */
  log: string;
  pid: number;
  /**
   * Set by the global setup: "here" plans from this checkout as it is; "elsewhere" from a copy at
   * another path under another collation, language and time zone (tests/determinism.test.ts).
   */
  place?: "here" | "elsewhere";
  /** Set by the global setup: the committed stacks it planned for this run. */
  stacks?: string[];
}

/** The plan servers the global setup announced, or [] when none was (jest started another way). */
export function planServers(): PlanServerAddress[] {
  const raw = process.env[PLAN_SERVERS_ENV];
  return raw ? (JSON.parse(raw) as PlanServerAddress[]) : [];
}

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

/**
 * Writes one stack's plan (to a temporary name, then renamed: a reader never sees half a file), as
 * JSON that reads back exactly as planStack returned it (./plan-protocol.ts encodeExact); throws when
 * it cannot.
 */
export function writeCommittedPlan(dir: string, stack: string, plan: CommittedPlan): void {
  const file = planFile(dir, stack);
  fs.writeFileSync(`${file}.tmp`, encodeExact(plan, `the plan of ${stack}`));
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
  return decodeExact<CommittedPlan>(fs.readFileSync(file, "utf8"));
}
