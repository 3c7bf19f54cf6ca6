import * as fs from "fs";
import * as path from "path";
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { engramPolicies, ENVIRONMENTS, isEnvironment } from "../../policy/policies";
import { escapeText } from "../../lib/text";

/**
 * The policy pack (policy/policies.ts, the very functions `pulumi preview --policy-pack policy`
 * runs) on an offline plan. Each plan step is handed to every resource policy as Pulumi's analyzer
 * hands a resource (type, name, URN, inputs as `props`, `opts.protect`), then all steps to the
 * stack policies. The environment is the plan's `engram:environment` config. Reads the plan only:
 * loads neither the SDK nor the program.
 */

/** A plan that cannot be checked (unreadable, not a plan, no environment): exit code 2. */
export class PlanFileError extends Error {}

interface PlanStep {
  urn: string;
  newState: {
    type: string;
    urn: string;
    inputs: Record<string, unknown>;
    parent?: string;
    protect?: boolean;
  };
}
interface Plan {
  config?: Record<string, unknown>;
  steps: PlanStep[];
}

export interface Violation {
  stack: string;
  policy: string;
  resource: string;
  message: string;
  enforcementLevel: string;
}

const rel = (f: string) => escapeText(path.relative(process.cwd(), f) || f);

export function readPlan(file: string): Plan {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PlanFileError(
      code === "ENOENT"
        ? `${rel(file)} does not exist`
        : code === "EISDIR"
          ? `${rel(file)} is a directory, not a plan file`
          : `cannot read ${rel(file)}: ${escapeText(code ?? String(e))}`,
    );
  }
  let plan: Plan;
  try {
    plan = JSON.parse(text) as Plan;
  } catch {
    throw new PlanFileError(`${rel(file)} is not JSON; give a plan written by npm run plan`);
  }
  if (plan === null || typeof plan !== "object" || !Array.isArray(plan.steps))
    throw new PlanFileError(`${rel(file)} has no steps; give a plan written by npm run plan`);
  return plan;
}

const logicalName = (urn: string) => urn.split("::").pop() ?? urn;

/** The offline stand-ins for what the analyzer gives a policy besides the resource itself. */
const noClasses = {
  isType: () => false,
  asType: () => undefined,
};
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};
class NotApplicable extends Error {}

function resourceArgs(step: PlanStep): ResourceValidationArgs {
  const s = step.newState;
  return {
    type: s.type,
    props: s.inputs ?? {},
    urn: step.urn,
    name: logicalName(step.urn),
    opts: {
      protect: s.protect === true,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      parent: s.parent || undefined,
    },
    stackTags: new Map(),
    ...noClasses,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable,
  };
}

function stackArgs(steps: PlanStep[]): StackValidationArgs {
  const resources: PolicyResource[] = steps.map((step) => {
    const a = resourceArgs(step);
    return {
      type: a.type,
      props: a.props,
      urn: a.urn,
      name: a.name,
      opts: a.opts,
      dependencies: [],
      propertyDependencies: {},
      ...noClasses,
    };
  });
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  for (const step of steps) {
    const r = byUrn.get(step.urn) as PolicyResource;
    r.parent = step.newState.parent ? byUrn.get(step.newState.parent) : undefined;
  }
  return { resources, stackTags: new Map(), getConfig: <T extends object>() => ({}) as T, notApplicable };
}

/** Every violation of the pack on one plan, in step order, then stack policies. */
export async function checkPlan(plan: Plan, file = "plan"): Promise<Violation[]> {
  const env = plan.config?.["engram:environment"];
  if (!isEnvironment(env))
    throw new PlanFileError(
      `${rel(file)}: engram:environment is ${escapeText(JSON.stringify(env) ?? "unset")}, expected one of ${ENVIRONMENTS.join(", ")}`,
    );
  const stack = /^urn:pulumi:([^:]+)::/.exec(plan.steps[0]?.urn ?? "")?.[1] ?? env;
  const policies = engramPolicies(env);
  const out: Violation[] = [];
  const reporter =
    (p: ResourceValidationPolicy | StackValidationPolicy, fallback?: string) =>
    (message: string, urn?: string) =>
      out.push({
        stack,
        policy: p.name,
        resource: urn ? logicalName(urn) : (fallback ?? stack),
        message,
        enforcementLevel: p.enforcementLevel ?? "advisory",
      });
  const run = async (f: () => unknown) => {
    try {
      await f();
    } catch (e) {
      if (!(e instanceof NotApplicable)) throw e;
    }
  };
  for (const step of plan.steps)
    for (const p of policies) {
      if (!("validateResource" in p) || !p.validateResource) continue;
      const args = resourceArgs(step);
      for (const v of [p.validateResource].flat()) await run(() => v(args, reporter(p, args.name)));
    }
  const all = stackArgs(plan.steps);
  for (const p of policies) if ("validateStack" in p) await run(() => p.validateStack(all, reporter(p)));
  return out;
}

export function formatViolation(v: Violation): string {
  return escapeText(`${v.stack}: ${v.policy}: ${v.resource}: ${v.message}`);
}
