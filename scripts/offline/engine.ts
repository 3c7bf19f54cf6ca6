import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import * as stackRuntime from "@pulumi/pulumi/runtime/stack";
import { placeholderCall, placeholderResource } from "./placeholders";

/* eslint-disable @typescript-eslint/no-require-imports */
// The SDK's generated protobuf classes and its per-run state have no typed public entry points.
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const state = require("@pulumi/pulumi/runtime/state") as {
  withLocalStorage<T>(fn: () => Promise<T>): Promise<T>;
  getStore(): Record<string, unknown>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Runs the real program under Pulumi's mock runtime, in preview mode, and records every
 * register-resource request whole: parent, dependencies, property dependencies, protect, and the
 * raw inputs in which secrets are still marked. `setMocks` alone hands the mocks only type, name
 * and inputs, so a MockMonitor subclass records the request itself.
 */

/** What `pulumi preview --json` prints for a value it must not show. */
export const SECRET_MASK = "[secret]";

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  provider: string;
  version: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  protect: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  additionalSecretOutputs: string[];
  retainOnDelete: boolean;
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
  const sig = obj[rpc.specialSigKey];
  if (sig === rpc.specialSecretSig) return SECRET_MASK;
  if (sig === rpc.specialResourceSig) return obj.urn;
  if (sig === rpc.specialOutputValueSig) {
    if (obj.secret) return SECRET_MASK;
    return "value" in obj ? maskSecrets(obj.value) : rpc.unknownValue;
  }
  if (sig === rpc.specialAssetSig || sig === rpc.specialArchiveSig) return { ...obj };
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) out[k] = maskSecrets(obj[k]);
  return out;
}

type Callback = (err: unknown, response?: unknown) => void;

class RecordingMonitor extends MockMonitor {
  readonly recorded: RecordedResource[] = [];

  constructor() {
    super({
      newResource: () => {
        throw new Error("unreachable: RecordingMonitor registers resources itself");
      },
      call: (args) => placeholderCall(args.token, args.inputs),
    });
  }

  /**
   * The URN the Pulumi engine gives: the parent's whole qualified type chain, then `$<type>`; the
   * root Stack is left out of the chain (SDK mocks keep only the parent's last type and keep the Stack).
   */
  private urnOf(parent: string, type: string, name: string): string {
    let qualified = type;
    const parentType = parent ? parent.split("::")[2] : "";
    if (parentType && parentType !== "pulumi:pulumi:Stack") qualified = `${parentType}$${type}`;
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async registerResource(req: any, callback: Callback): Promise<void> {
    try {
      const type: string = req.getType();
      const name: string = req.getName();
      const parent: string = req.getParent();
      const urn = this.urnOf(parent, type, name);
      const rawStruct = req.getObject() ? req.getObject().toJavaScript() : {};
      const propertyDependencies: Record<string, string[]> = {};
      req.getPropertydependenciesMap().forEach((v: { getUrnsList(): string[] }, k: string) => {
        propertyDependencies[k] = [...v.getUrnsList()];
      });
      this.recorded.push({
        urn,
        type,
        name,
        custom: req.getCustom(),
        parent,
        provider: req.getProvider(),
        version: req.getVersion(),
        dependencies: [...req.getDependenciesList()],
        propertyDependencies,
        protect: req.hasProtect() ? Boolean(req.getProtect()) : false,
        deleteBeforeReplace: req.getDeletebeforereplace(),
        ignoreChanges: [...req.getIgnorechangesList()],
        additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
        retainOnDelete: req.hasRetainondelete() ? Boolean(req.getRetainondelete()) : false,
        inputs: maskSecrets(rawStruct) as Record<string, unknown>,
      });

      const inputs = rpc.deserializeProperties(req.getObject());
      const result = req.getCustom() ? placeholderResource(type, name, urn, inputs) : { id: "", state: {} };
      const serialized = await rpc.serializeProperties("", result.state);
      this.resources.set(urn, { urn, id: result.id, state: serialized });
      const response = new resproto.RegisterResourceResponse();
      response.setUrn(urn);
      response.setId(result.id);
      response.setObject(structproto.Struct.fromJavaScript(serialized));
      callback(null, response);
    } catch (err) {
      callback(err, undefined);
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  registerResourceOutputs(req: any, callback: Callback): void {
    const urn: string = req.getUrn();
    const rec = this.recorded.find((r) => r.urn === urn);
    if (rec && rec.type === "pulumi:pulumi:Stack") {
      rec.outputs = maskSecrets(req.getOutputs() ? req.getOutputs().toJavaScript() : {}) as Record<
        string,
        unknown
      >;
    }
    super.registerResourceOutputs(req, callback);
  }
}

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
    if (frames.length > 0 && frames[0].getFunctionName() === "debuggablePromise") return "";
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
}): Promise<ProgramRun> {
  const isolate = opts.isolate ?? true;
  if (!isolate) {
    if (globalStateUsed) throw new Error("runProgram: only one run per process may use isolate: false");
    globalStateUsed = true;
  }
  const inState = isolate ? state.withLocalStorage : (fn: () => Promise<ProgramRun>) => fn();
  return inState(async () => {
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);
    const monitor = new RecordingMonitor();
    settings.setMockOptions(monitor, opts.project, opts.stack, true);
    // The same feature set `pulumi.runtime.setMocks` enables.
    const store = state.getStore();
    Object.assign(store, {
      supportsSecrets: true,
      supportsResourceReferences: true,
      supportsOutputValues: false,
      supportsDeletedWith: true,
      supportsAliasSpecs: true,
      supportsTransforms: false,
    });

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
        await stackRuntime.runInPulumiStack(async () => {
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
      await settings.disconnect();
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
    return { resources: monitor.recorded, error };
  });
}
