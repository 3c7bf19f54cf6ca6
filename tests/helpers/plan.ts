import * as fs from "fs";
import * as path from "path";
import type { ProgramRun } from "../../scripts/offline/engine";
import type { PlanFailure, PlanResult } from "../../scripts/offline/plan";
import { PlanIndex } from "../../scripts/offline/plan-index";
import { readStackFile } from "../../scripts/offline/stack-file";
import { ENVIRONMENTS, Environment } from "../../src/matrix";
import { askPlanServer } from "./plan-client";
import { planServers, PROJECT, readCommittedPlan, ROOT } from "./plan-files";
import type { FreshPlanOptions, SerializedError } from "./plan-protocol";

/**
 * Test access to offline plans. A committed stack (no change) is read from the plan the global
 * setup wrote for this jest run (tests/global-setup.ts): no program run, and neither the Pulumi SDK
 * nor the program is loaded. A variant (a config change) is planned by one of the run's plan
 * servers (the global setup's planning processes, tests/helpers/plan-server.ts), which have the SDK
 * and the program loaded already: this test file loads neither. Once per (stack, change) per file:
 * later calls share the answer.
 *
 * Only when no plan server is announced (a test file run without the global setup, e.g. jest with
 * another config) does a variant run the program in this test file (planInProcess). A test that
 * needs the program to run in its own module registry (it spies on or mocks a module of the
 * program) says so: `programRunInProcess` (tests/helpers/data.ts registrationsInProcess).
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

/**
 * planStack on a committed stack with a change, in this test file: what a plan server runs for a
 * variant (tests/helpers/plan-server.ts), and what `plan` runs itself when no server is announced.
 */
export async function planInProcess(stack: string, change: PlanChange): Promise<PlanResult | PlanFailure> {
  const { planStack } = await import("../../scripts/offline/plan");
  return planStack({
    stack,
    config: changedConfig(stack, change),
    secretPlaceholders: change.secretPlaceholders,
  });
}

/** Plans a committed stack, optionally with config changes (see `changedConfig`). */
export function plan(stack: string, change: PlanChange = {}): Promise<PlanResult | PlanFailure> {
  const committed = isCommitted(stack, change);
  const key = committed ? stack : JSON.stringify([stack, change]);
  let p = cache.get(key);
  if (!p) {
    const written = committed ? readCommittedPlan(stack) : undefined;
    const servers = planServers();
    p = written
      ? "error" in written
        ? Promise.reject(
            new Error(
              `planning the committed stack ${stack} threw (tests/global-setup.ts):\n${written.error}`,
            ),
          )
        : Promise.resolve(written.result)
      : servers.length > 0
        ? askPlanServer(servers, { op: "plan", stack, change }, `planning ${key}`).then((a) => a.plan)
        : // No plan server (no global setup ran): the program runs in this test file.
          planInProcess(stack, change);
    cache.set(key, p);
  }
  return p;
}

function refused(stack: string, r: PlanFailure): Error {
  return new Error(`stack ${stack} was refused:\n${r.problems.join("\n")}`);
}

/** Plans and expects success; returns the result with an index over its steps. */
export async function planOk(stack: string, change?: PlanChange): Promise<PlanResult & { index: PlanIndex }> {
  const r = await plan(stack, change);
  if (!r.ok) throw refused(stack, r);
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
 * stack's as the global setup rendered it, a variant's as a plan server rendered it (or rendered
 * here when no server is announced).
 */
export function report(stack: string, change: PlanChange = {}): Promise<string> {
  const key = JSON.stringify([stack, change]);
  let p = reports.get(key);
  if (!p) {
    const committed = isCommitted(stack, change);
    const read = committed ? readCommittedPlan(stack) : undefined;
    const written = read && "report" in read ? read.report : undefined;
    const servers = planServers();
    p =
      written !== undefined
        ? Promise.resolve(written)
        : !committed && servers.length > 0
          ? askPlanServer(servers, { op: "plan", stack, change, report: true }, `planning ${key}`).then(
              (a) => {
                if (!cache.has(key)) cache.set(key, Promise.resolve(a.plan));
                if (!a.plan.ok) throw refused(stack, a.plan);
                if (a.report === undefined) throw new Error(`the plan server sent no report for ${key}`);
                return a.report;
              },
            )
          : Promise.all([planOk(stack, change), import("../../scripts/offline/report")]).then(
              ([r, { renderReport }]) => renderReport(r),
            );
    reports.set(key, p);
  }
  return p;
}

/**
 * planStack with these options, run afresh (never an answer kept from before), and its report when
 * it succeeded: on a plan server (a process other than this test file's, the run in a state of its
 * own), or here when none is announced. For tests of planStack itself: a second run of a stack, a
 * stack file planned under another stack name.
 */
export async function planAfresh(
  options: FreshPlanOptions,
): Promise<{ result: PlanResult | PlanFailure; report?: string }> {
  const servers = planServers();
  if (servers.length === 0) {
    // No plan server (no global setup ran): planStack runs in this test file.
    const [{ planStack }, { renderReport }] = await Promise.all([
      import("../../scripts/offline/plan"),
      import("../../scripts/offline/report"),
    ]);
    const result = await planStack(options);
    return { result, report: result.ok ? renderReport(result) : undefined };
  }
  const what = `planning ${JSON.stringify(options)} afresh`;
  const answer = await askPlanServer(servers, { op: "planStack", options }, what);
  return { result: answer.plan, report: answer.report };
}

/** What a program run registered (type and URN, in order) and the error it ended with, if any. */
export interface ProgramRunSummary {
  resources: { type: string; urn: string }[];
  error: unknown;
}

/**
 * Runs the program (no plan) on a committed stack with a change, to see what it registered before
 * it stopped and what it threw: on a plan server (the error comes back as an Error of the same name,
 * message and stack; the program's ConfigError as a ConfigError with the same problems), or here
 * when none is announced.
 */
export async function programRun(stack: string, change: ConfigChange): Promise<ProgramRunSummary> {
  const servers = planServers();
  // No plan server (no global setup ran): the program runs in this test file.
  if (servers.length === 0) return programRunInProcess(stack, change);
  const { run } = await askPlanServer(servers, { op: "run", stack, change }, `running ${stack}`);
  return { resources: run.resources, error: run.error ? await deserializeError(run.error) : undefined };
}

/**
 * The program run in this test file's module registry, for a test that spies on or mocks a module
 * of the program (jest.spyOn reaches only this registry) and for the plan servers themselves.
 */
export async function programRunInProcess(stack: string, change: ConfigChange): Promise<ProgramRunSummary> {
  const { values, secretKeys } = changedConfig(stack, change);
  // Loaded only here: reading a committed plan loads neither the SDK nor the program.
  const [{ runProgram }, { engram }] = await Promise.all([
    import("../../scripts/offline/engine"),
    import("../../src/program"),
  ]);
  const run = await runProgram({ project: PROJECT, stack, config: values, secretKeys, program: engram });
  return { resources: run.resources.map((r) => ({ type: r.type, urn: r.urn })), error: run.error };
}

async function deserializeError(e: SerializedError): Promise<Error> {
  let err: Error;
  if (e.configError) {
    const { ConfigError } = await import("../../src/config");
    err = new ConfigError(e.problems ?? []);
  } else {
    err = new Error(e.message);
    err.name = e.name;
  }
  err.message = e.message;
  if (e.stack) err.stack = e.stack;
  return err;
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
