/**
 * Everything the offline engine takes from the Pulumi SDK beyond its documented resource API, in
 * one place. The engine needs more than `pulumi.runtime.setMocks` gives: `setMocks` hands a mock
 * only a resource's type, name and deserialized inputs, while a plan must show its parent, every
 * dependency (explicit and the ones the SDK derives from input Outputs), property dependencies,
 * protect and the raw inputs with secrets still marked, under the URN the Pulumi engine would give.
 * So the engine installs its own monitor (a subclass of the SDK's MockMonitor) and reads the
 * register-resource requests themselves.
 *
 * Why not the public `pulumi.runtime.registerResourceTransform`, which sees parent, dependsOn and
 * protect? Under any mock monitor the SDK turns transforms off (`supportsTransforms` is false, and
 * registering one throws "The Pulumi CLI does not support transforms"); turning them on makes the
 * SDK start its gRPC callbacks server and wait for the engine to call back, which the offline run
 * has no engine for. And even then a transform sees `dependsOn` as written, not the dependencies
 * the SDK adds from input Outputs, no property dependencies, and inputs as unresolved Outputs,
 * not the serialized struct with secret markers; a monitor is still needed to answer the
 * registration. It cannot give the same facts, so the plan bytes would change.
 *
 * Every internal is named in SDK_INTERNALS below, and read only through `internal()`, which refuses a
 * (module, export) pair that is not in the table. Where the SDK also re-exports a function through
 * its typed public `pulumi.runtime` namespace, that public path is used (`viaPublic`).
 * `tests/sdk-internals.test.ts` checks each entry's shape against the installed SDK, and that no
 * other file reaches into the SDK except the direct users the table names. README: "Upgrading the
 * Pulumi SDK".
 */

/** The shape the engine relies on. */
export type InternalShape =
  | {
      kind: "function";
      /** `Function.length` as of the SDK version the table was written for. */
      arity: number;
      /** The engine recognises this function by its name in stack frames. */
      byName?: boolean;
    }
  | {
      kind: "class";
      /** Prototype methods the engine calls or overrides. */
      methods?: readonly string[];
      /** Static methods the engine calls. */
      statics?: readonly string[];
      /** Fields set on a new instance (constructed without arguments) that the engine reads or writes. */
      fields?: readonly string[];
    }
  | {
      kind: "value";
      /** The exact value: it ends up in the committed plans, or marks values the engine reads. */
      equals: string;
    };

export interface SdkInternal {
  /** The module, as `require` takes it. */
  module: string;
  /** The export; a dotted path for a nested class (`RegisterResourceRequest.PropertyDependencies`). */
  name: string;
  shape: InternalShape;
  /** The typed public path to the same object, when there is one (the engine uses that). */
  viaPublic?: string;
  /** What breaks if it changes. */
  purpose: string;
  /** Files other than this one that require the module themselves (to move here; see the test). */
  directUsers?: readonly string[];
}

export const MOCKS = "@pulumi/pulumi/runtime/mocks";
export const STATE = "@pulumi/pulumi/runtime/state";
const SETTINGS = "@pulumi/pulumi/runtime/settings";
const STACK = "@pulumi/pulumi/runtime/stack";
const RPC = "@pulumi/pulumi/runtime/rpc";
const CONFIG = "@pulumi/pulumi/runtime/config";
export const DEBUGGABLE = "@pulumi/pulumi/runtime/debuggable";
export const RESOURCE_PB = "@pulumi/pulumi/proto/resource_pb";
export const STRUCT_PB = "google-protobuf/google/protobuf/struct_pb";
const ANALYZER_PB = "@pulumi/pulumi/proto/analyzer_pb";
const ANALYZER_GRPC_PB = "@pulumi/pulumi/proto/analyzer_grpc_pb";

/**
 * The features the engine turns on in the run's state: the feature set `pulumi.runtime.setMocks`
 * enabled when the engine was written (setMockOptions resets them all to off).
 */
export const MOCK_FEATURES = {
  supportsSecrets: true,
  supportsResourceReferences: true,
  supportsOutputValues: false,
  supportsDeletedWith: true,
  supportsAliasSpecs: true,
  supportsTransforms: false,
} as const;

const sig = (name: string, equals: string, what: string): SdkInternal => ({
  module: RPC,
  name,
  shape: { kind: "value", equals },
  viaPublic: `pulumi.runtime.${name}`,
  purpose: `marks ${what} in a serialized struct; the engine masks or unwraps it in recorded inputs`,
});

/** Every SDK internal the offline plan and its program use. */
export const SDK_INTERNALS: readonly SdkInternal[] = [
  {
    module: MOCKS,
    name: "MockMonitor",
    shape: {
      kind: "class",
      methods: ["registerResource", "registerResourceOutputs", "invoke", "supportsFeature"],
      fields: ["resources"],
    },
    purpose:
      "the recording monitor subclasses it: overrides registerResource and registerResourceOutputs, " +
      "keeps what it registers in `resources` (read by getResource invokes) and inherits invoke",
  },
  {
    module: STATE,
    name: "withLocalStorage",
    shape: { kind: "function", arity: 1 },
    purpose: "runs a program in its own Pulumi runtime state, so one process plans several stacks",
  },
  {
    module: STATE,
    name: "getStore",
    shape: { kind: "function", arity: 0 },
    purpose: "the run's state, where the engine turns on the features a mock monitor supports",
  },
  {
    module: STATE,
    name: "LocalStore",
    shape: {
      kind: "class",
      fields: Object.keys(MOCK_FEATURES),
    },
    purpose: "the feature flags the engine sets on the store (renamed flags would silently stay off)",
  },
  {
    module: SETTINGS,
    name: "setMockOptions",
    shape: { kind: "function", arity: 5 },
    viaPublic: "pulumi.runtime.setMockOptions",
    purpose: "installs the recording monitor (setMocks would install a plain MockMonitor)",
  },
  {
    module: SETTINGS,
    name: "disconnect",
    shape: { kind: "function", arity: 0 },
    viaPublic: "pulumi.runtime.disconnect",
    purpose: "waits for the registrations made inside applies before the run is read",
  },
  {
    module: STACK,
    name: "runInPulumiStack",
    shape: { kind: "function", arity: 1 },
    viaPublic: "pulumi.runtime.runInPulumiStack",
    purpose: "runs the program inside the root Stack resource, as the Pulumi language host does",
  },
  {
    module: RPC,
    name: "serializeProperties",
    shape: { kind: "function", arity: 3 },
    viaPublic: "pulumi.runtime.serializeProperties",
    purpose: "serializes a placeholder resource's state for the register-resource response",
  },
  {
    module: RPC,
    name: "deserializeProperties",
    shape: { kind: "function", arity: 2 },
    viaPublic: "pulumi.runtime.deserializeProperties",
    purpose: "turns a request's struct into plain inputs for the placeholders",
  },
  sig("specialSigKey", "4dabf18193072939515e22adb298388d", "the signature key of every special value"),
  sig("specialSecretSig", "1b47061264138c4ac30d75fd1eb44270", "a secret"),
  sig("specialResourceSig", "5cf8f73096256a8f31e491e813e4eb8e", "a resource reference"),
  sig("specialOutputValueSig", "d0e6a833031e9bbcd3f4e8bde6ca49a4", "an output value"),
  sig("specialAssetSig", "c44067f5952c0a294b673a41bacd8c17", "an asset"),
  sig("specialArchiveSig", "0def7320c3a5731c473e5ecbe6d01bc7", "an archive"),
  {
    module: RPC,
    name: "unknownValue",
    shape: { kind: "value", equals: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
    viaPublic: "pulumi.runtime.unknownValue",
    purpose: "an unknown value; written into the committed plans (provider references of a preview)",
  },
  {
    module: RESOURCE_PB,
    name: "RegisterResourceRequest",
    shape: {
      kind: "class",
      methods: [
        "getType",
        "getName",
        "getParent",
        "getCustom",
        "getProvider",
        "getVersion",
        "getDependenciesList",
        "getPropertydependenciesMap",
        "hasProtect",
        "getProtect",
        "getDeletebeforereplace",
        "getIgnorechangesList",
        "getAdditionalsecretoutputsList",
        "hasRetainondelete",
        "getRetainondelete",
        "getObject",
      ],
    },
    purpose: "every fact of a recorded resource is read from the request with these getters",
  },
  {
    module: RESOURCE_PB,
    name: "RegisterResourceRequest.PropertyDependencies",
    shape: { kind: "class", methods: ["getUrnsList"] },
    purpose: "the URNs each input property depends on",
  },
  {
    module: RESOURCE_PB,
    name: "RegisterResourceOutputsRequest",
    shape: { kind: "class", methods: ["getUrn", "getOutputs"] },
    purpose: "the Stack's outputs",
  },
  {
    module: RESOURCE_PB,
    name: "RegisterResourceResponse",
    shape: { kind: "class", methods: ["setUrn", "setId", "setObject"] },
    purpose: "the monitor's answer to a registration: URN, id and placeholder state",
  },
  {
    module: STRUCT_PB,
    name: "Struct",
    shape: { kind: "class", methods: ["toJavaScript"], statics: ["fromJavaScript"] },
    purpose: "reads the request's inputs and outputs, builds the response's state",
    directUsers: ["tests/policy.test.ts"],
  },
  // The policy pack's own test talks to the pack over Pulumi's analyzer gRPC protocol, as the CLI
  // does (tests/policy.test.ts); the engine does not use these.
  ...(
    [
      ["AnalyzeRequest", ["setType", "setUrn", "setName", "setProperties", "setOptions"]],
      ["AnalyzerResource", ["setType", "setUrn", "setName", "setProperties", "setOptions"]],
      ["AnalyzeStackRequest", ["setResourcesList"]],
      ["AnalyzerResourceOptions", ["setProtect"]],
    ] as const
  ).map(([name, methods]): SdkInternal => ({
    module: ANALYZER_PB,
    name,
    shape: { kind: "class", methods },
    purpose: "the policy pack's test builds the requests the Pulumi CLI sends to a policy pack",
    directUsers: ["tests/policy.test.ts"],
  })),
  {
    module: ANALYZER_GRPC_PB,
    name: "AnalyzerClient",
    shape: { kind: "class", methods: ["analyze", "analyzeStack"] },
    purpose: "the policy pack's test calls the pack's Analyze and AnalyzeStack as the Pulumi CLI does",
    directUsers: ["tests/policy.test.ts"],
  },
  {
    module: DEBUGGABLE,
    name: "debuggablePromise",
    shape: { kind: "function", arity: 2, byName: true },
    purpose:
      "the engine skips formatting the stacks the SDK stamps on every promise by recognising this " +
      "function as the first frame; renamed, plans get slower (about 5%, half the jest suite)",
    directUsers: ["tests/engine.test.ts"],
  },
  {
    module: CONFIG,
    name: "isConfigSecret",
    shape: { kind: "function", arity: 1 },
    viaPublic: "pulumi.runtime.isConfigSecret",
    purpose:
      "the program's config reports which keys Pulumi holds as secrets (src/load-config.ts reads it from " +
      "pulumi.runtime, where it is exported but left out of the typings as internal)",
  },
];

/** An entry of SDK_INTERNALS, loaded; throws if the (module, export) pair is not in the table. */
export function internal<T>(module: string, name: string): T {
  const entry = SDK_INTERNALS.find((e) => e.module === module && e.name === name);
  if (!entry) throw new Error(`sdk-internals: ${module}.${name} is not in SDK_INTERNALS`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  let value: unknown = require(module);
  for (const part of name.split(".")) value = (value as Record<string, unknown>)[part];
  return value as T;
}
