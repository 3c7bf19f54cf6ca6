import * as pulumi from "@pulumi/pulumi";
import { placeholderCall, placeholderResource } from "./placeholders";
import {
  drainRegistrations,
  installMonitor,
  PROMISE_DEBUG_FRAME,
  RegistrationRequest,
  runInStack,
  SIG,
  UNKNOWN_VALUE,
  withIsolatedState,
} from "./sdk-monitor";

/**
 * Runs the real program under Pulumi's mock runtime, in preview mode, and records every
 * register-resource request whole: parent, dependencies, property dependencies, protect, and the
 * raw inputs in which secrets are still marked. `setMocks` alone hands the mocks only type, name
 * and inputs, so the engine installs its own monitor; everything it takes from the SDK's internals
 * to do so is in ./sdk-internals.ts.
 */

/** What `pulumi preview --json` prints for a value it must not show. */
export const SECRET_MASK = "[secret]";

/** One registration as recorded: the request's facts under the URN the engine gave it. */
export interface RecordedResource extends Omit<RegistrationRequest, "rawInputs" | "inputs"> {
  urn: string;
  /** Inputs as the engine would receive them; secret values replaced by SECRET_MASK. */
  inputs: Record<string, unknown>;
  /** Stack outputs only (other components' outputs are not part of a preview's steps). */
  outputs?: Record<string, unknown>;
}

/** Replaces secrets by the mask, resource references by their URN, and drops the SDK's signature keys. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  const sig = obj[SIG.key];
  if (sig === SIG.secret) return SECRET_MASK;
  if (sig === SIG.resource) return obj.urn;
  if (sig === SIG.outputValue) {
    if (obj.secret) return SECRET_MASK;
    return "value" in obj ? maskSecrets(obj.value) : UNKNOWN_VALUE;
  }
  if (sig === SIG.asset || sig === SIG.archive) return { ...obj };
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) out[k] = maskSecrets(obj[k]);
  return out;
}

/**
 * The URN the Pulumi engine gives: the parent's whole qualified type chain, then `$<type>`; the
 * root Stack is left out of the chain (SDK mocks keep only the parent's last type and keep the Stack).
 */
function urnOf(parent: string, type: string, name: string): string {
  let qualified = type;
  const parentType = parent ? parent.split("::")[2] : "";
  if (parentType && parentType !== "pulumi:pulumi:Stack") qualified = `${parentType}$${type}`;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

/** What a resource's outputs are offline: an id and a state, from its type, name, URN and inputs. */
export type ResourceMock = (
  type: string,
  name: string,
  urn: string,
  inputs: Record<string, unknown>,
) => { id: string; state: Record<string, unknown> };

/** What a provider function returns offline. */
export type CallMock = (token: string, inputs: Record<string, unknown>) => Record<string, unknown>;

export interface ProgramRun {
  /** Every registration, in the order the program made them. */
  resources: RecordedResource[];
  /** The error the program threw, if any (config errors among them). */
  error?: unknown;
}

/**
 * The SDK stamps every promise it creates with `new Error().stack` (runtime/debuggable.js), for a
 * leak report that shows those stacks only when PULUMI_DEBUG_PROMISE_LEAKS is set. Formatting the
 * thousands of stacks of a plan cost about 5% of `npm run plan` and about half of the jest suite's
 * time (jest's formatter maps every frame through source maps), so while a program runs this hook
 * returns "" for exactly those probes (the first frame is `debuggablePromise`) and leaves every
 * other stack as it was: formatted by the previous hook if there was one (jest's), else in Node's
 * own format. Returns the function that removes the hook.
 */
function skipPromiseDebugStacks(): () => void {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return () => undefined;
  const previous = Error.prepareStackTrace;
  const hook = (err: Error, frames: NodeJS.CallSite[]): unknown => {
    if (frames.length > 0 && frames[0].getFunctionName() === PROMISE_DEBUG_FRAME) return "";
    if (previous) return previous(err, frames);
    return Error.prototype.toString.call(err) + frames.map((f) => `\n    at ${f}`).join("");
  };
  Error.prepareStackTrace = hook;
  return () => {
    if (Error.prepareStackTrace === hook) Error.prepareStackTrace = previous;
  };
}

/** Whether a run has already used the process's own (global) Pulumi runtime state. */
let globalStateUsed = false;

/**
 * Runs `program` as stack `stack` of `project` with the given config and returns what it registered.
 * By default the run gets its own Pulumi runtime state (`isolate`), so several stacks can be planned
 * one after another in one process (the tests). `isolate: false` runs in the process's own state,
 * as the Pulumi CLI runs a program: the SDK's AsyncLocalStorage then stays off, and its promise hooks
 * (about a tenth of a prod plan) are never installed. Only one such run is allowed per process (the
 * plan command).
 */
export async function runProgram(opts: {
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  program: () => Promise<Record<string, unknown> | void>;
  isolate?: boolean;
  /** Preview (the default, as the plan) or an update, as `pulumi up` runs the program. */
  preview?: boolean;
  /** The outputs of each custom resource; by default the plan's placeholders. */
  resources?: ResourceMock;
  /** The results of provider functions; by default the plan's placeholders. */
  calls?: CallMock;
}): Promise<ProgramRun> {
  const isolate = opts.isolate ?? true;
  if (!isolate) {
    if (globalStateUsed) throw new Error("runProgram: only one run per process may use isolate: false");
    globalStateUsed = true;
  }
  const inState = isolate ? withIsolatedState : (fn: () => Promise<ProgramRun>) => fn();
  const mockResource = opts.resources ?? placeholderResource;
  return inState(async () => {
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);
    const recorded: RecordedResource[] = [];
    installMonitor(
      {
        register: (req: RegistrationRequest) => {
          const { type, name, parent, rawInputs, inputs: deserialized, ...facts } = req;
          const urn = urnOf(parent, type, name);
          recorded.push({
            urn,
            type,
            name,
            custom: facts.custom,
            parent,
            provider: facts.provider,
            version: facts.version,
            dependencies: facts.dependencies,
            propertyDependencies: facts.propertyDependencies,
            protect: facts.protect,
            deleteBeforeReplace: facts.deleteBeforeReplace,
            ignoreChanges: facts.ignoreChanges,
            additionalSecretOutputs: facts.additionalSecretOutputs,
            retainOnDelete: facts.retainOnDelete,
            inputs: maskSecrets(rawInputs) as Record<string, unknown>,
          });
          const result = facts.custom ? mockResource(type, name, urn, deserialized) : { id: "", state: {} };
          return { urn, ...result };
        },
        outputs: (urn, rawOutputs) => {
          const rec = recorded.find((r) => r.urn === urn);
          if (rec && rec.type === "pulumi:pulumi:Stack") {
            rec.outputs = maskSecrets(rawOutputs) as Record<string, unknown>;
          }
        },
        call: opts.calls ?? placeholderCall,
      },
      opts.project,
      opts.stack,
      opts.preview ?? true,
    );

    // An error thrown inside an apply that feeds a resource's inputs surfaces as an unhandled
    // rejection, and whatever waits on that resource never resolves (the Pulumi CLI's language
    // host turns such a rejection into a failed run). Race the run against the first one, so the
    // plan fails with that error instead of crashing the process or waiting forever. (Under jest
    // the sandbox's `process` does not receive these events; jest reports them itself.)
    let failAsync: (reason: unknown) => void = () => undefined;
    const asyncFailure = new Promise<never>((_, reject) => (failAsync = reject));
    const onRejection = (reason: unknown) => failAsync(reason);
    process.on("unhandledRejection", onRejection);
    const restoreStacks = skipPromiseDebugStacks();
    let error: unknown;
    const run = async () => {
      try {
        // The program's own error is caught inside the stack callback: rejecting the Stack's
        // outputs would also reject the promises the SDK derives from them, which nobody awaits
        // (unhandled rejections that crash a jest worker or print a second stack trace).
        await runInStack(async () => {
          try {
            return await opts.program();
          } catch (err) {
            error = err;
            return undefined;
          }
        });
      } catch (err) {
        error ??= err;
      }
      // Late registrations (children created inside apply callbacks) land only after the stack
      // callback returned; wait for the RPC queue to drain before reading what was recorded.
      await drainRegistrations();
      // Let rejections raised by the last registrations reach the handler.
      await new Promise((resolve) => setImmediate(resolve));
    };
    try {
      await Promise.race([run(), asyncFailure]);
    } catch (err) {
      error ??= err;
    } finally {
      process.off("unhandledRejection", onRejection);
      restoreStacks();
    }
    return { resources: recorded, error };
  });
}
