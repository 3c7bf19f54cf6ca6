import * as pulumi from "@pulumi/pulumi";
import { DEBUGGABLE, internal, MOCK_FEATURES, MOCKS, RESOURCE_PB, STATE, STRUCT_PB } from "./sdk-internals";

/**
 * What the offline engine gets from the SDK: the public runtime functions it uses, and its own
 * monitor built from the internals named in ./sdk-internals.ts (read through `internal()`, which
 * refuses anything the table does not name).
 */

/** The signature keys of serialized special values (public re-exports of runtime/rpc). */
export const SIG = {
  key: pulumi.runtime.specialSigKey,
  secret: pulumi.runtime.specialSecretSig,
  resource: pulumi.runtime.specialResourceSig,
  outputValue: pulumi.runtime.specialOutputValueSig,
  asset: pulumi.runtime.specialAssetSig,
  archive: pulumi.runtime.specialArchiveSig,
} as const;

/** What a preview shows for a value not known yet. */
export const UNKNOWN_VALUE: string = pulumi.runtime.unknownValue;

/** The SDK function whose stack stamps the engine leaves unformatted (see skipPromiseDebugStacks). */
export const PROMISE_DEBUG_FRAME: string = internal<{ name: string }>(DEBUGGABLE, "debuggablePromise").name;

/** One register-resource request, as plain data. */
export interface RegistrationRequest {
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
  /** The inputs as serialized: secrets, resource references and unknowns still marked (SIG). */
  rawInputs: Record<string, unknown>;
  /** The inputs deserialized (secrets unwrapped), as a mock's newResource receives them. */
  inputs: Record<string, unknown>;
}

/** What the monitor answers a registration with. */
export interface Registered {
  urn: string;
  id: string;
  state: Record<string, unknown>;
}

export interface MonitorHandlers {
  /** Called once per registration, synchronously, in the order the program registers. */
  register(req: RegistrationRequest): Registered;
  /** Called when a resource registers its outputs (the Stack: the stack outputs), serialized as in rawInputs. */
  outputs(urn: string, rawOutputs: Record<string, unknown>): void;
  /** An invoke of a provider function. */
  call(token: string, inputs: Record<string, unknown>): Record<string, unknown>;
}

type Callback = (err: unknown, response?: unknown) => void;
interface Struct {
  toJavaScript(): Record<string, unknown>;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getVersion(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(fn: (v: { getUrnsList(): string[] }, k: string) => void): void };
  hasProtect(): boolean;
  getProtect(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  hasRetainondelete(): boolean;
  getRetainondelete(): boolean | undefined;
  getObject(): Struct | undefined;
}
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): Struct | undefined;
}
interface Response {
  setUrn(urn: string): void;
  setId(id: string): void;
  setObject(s: unknown): void;
}
type MockMonitorClass = new (mocks: {
  newResource(args: unknown): never;
  call(args: { token: string; inputs: Record<string, unknown> }): Record<string, unknown>;
}) => {
  resources: Map<string, { urn: string; id: string; state: unknown }>;
  registerResourceOutputs(req: unknown, callback: Callback): void;
};

const MockMonitor = internal<MockMonitorClass>(MOCKS, "MockMonitor");
const RegisterResourceResponse = internal<new () => Response>(RESOURCE_PB, "RegisterResourceResponse");
const StructClass = internal<{ fromJavaScript(v: unknown): unknown }>(STRUCT_PB, "Struct");
const state = {
  withLocalStorage: internal<<T>(fn: () => Promise<T>) => Promise<T>>(STATE, "withLocalStorage"),
  getStore: internal<() => Record<string, unknown>>(STATE, "getStore"),
};

class Monitor extends MockMonitor {
  constructor(private readonly handlers: MonitorHandlers) {
    super({
      newResource: () => {
        throw new Error("unreachable: the offline monitor registers resources itself");
      },
      call: (args) => handlers.call(args.token, args.inputs),
    });
  }

  async registerResource(req: RegisterRequest, callback: Callback): Promise<void> {
    try {
      const object = req.getObject();
      const propertyDependencies: Record<string, string[]> = {};
      req.getPropertydependenciesMap().forEach((v, k) => {
        propertyDependencies[k] = [...v.getUrnsList()];
      });
      const result = this.handlers.register({
        type: req.getType(),
        name: req.getName(),
        custom: req.getCustom(),
        parent: req.getParent(),
        provider: req.getProvider(),
        version: req.getVersion(),
        dependencies: [...req.getDependenciesList()],
        propertyDependencies,
        protect: req.hasProtect() ? Boolean(req.getProtect()) : false,
        deleteBeforeReplace: req.getDeletebeforereplace(),
        ignoreChanges: [...req.getIgnorechangesList()],
        additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
        retainOnDelete: req.hasRetainondelete() ? Boolean(req.getRetainondelete()) : false,
        rawInputs: object ? object.toJavaScript() : {},
        inputs: pulumi.runtime.deserializeProperties(object as never) as Record<string, unknown>,
      });
      const serialized = await pulumi.runtime.serializeProperties("", result.state);
      this.resources.set(result.urn, { urn: result.urn, id: result.id, state: serialized });
      const response = new RegisterResourceResponse();
      response.setUrn(result.urn);
      response.setId(result.id);
      response.setObject(StructClass.fromJavaScript(serialized));
      callback(null, response);
    } catch (err) {
      callback(err, undefined);
    }
  }

  override registerResourceOutputs(req: OutputsRequest, callback: Callback): void {
    const outputs = req.getOutputs();
    this.handlers.outputs(req.getUrn(), outputs ? outputs.toJavaScript() : {});
    super.registerResourceOutputs(req, callback);
  }
}

/** Runs `fn` in a Pulumi runtime state of its own (the SDK's AsyncLocalStorage). */
export function withIsolatedState<T>(fn: () => Promise<T>): Promise<T> {
  return state.withLocalStorage(fn);
}

/**
 * Makes the current Pulumi runtime state register through `handlers`, as stack `stack` of
 * `project`, in preview mode or not, with the features a mock monitor supports turned on.
 */
export function installMonitor(
  handlers: MonitorHandlers,
  project: string,
  stack: string,
  preview: boolean,
): void {
  pulumi.runtime.setMockOptions(new Monitor(handlers), project, stack, preview);
  Object.assign(state.getStore(), MOCK_FEATURES);
}

/** Runs the program inside the root Stack resource; resolves to the stack outputs. */
export function runInStack(program: () => Promise<Record<string, unknown> | void>): Promise<unknown> {
  return pulumi.runtime.runInPulumiStack(program);
}

/** Waits until every registration queued so far (those made in applies included) has been answered. */
export function drainRegistrations(): Promise<void> {
  return pulumi.runtime.disconnect();
}
