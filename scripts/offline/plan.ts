import * as fs from "fs";
import * as path from "path";
import { ConfigError, ValidatedConfig } from "../../src/config";
import { byCodePoint } from "../../lib/text";
import { engram } from "../../src/program";
import { RecordedResource, runProgram, SECRET_MASK } from "./engine";
import { UNKNOWN_VALUE } from "./sdk-monitor";
import { Diagnostic, planConfig, PlanOptions, PROJECT, ROOT, validatePlanConfig } from "./plan-config";

export { PROJECT, ROOT, secretPlaceholder, planConfig, validatePlanConfig } from "./plan-config";
export type { Diagnostic, PlanOptions } from "./plan-config";

/**
 * The offline plan: the real program run for one stack under mocks, written in the shape of
 * `pulumi preview --json` (steps with urn, type, inputs, parent, dependencies, protect; secrets as
 * "[secret]"; a change summary; diagnostics).
 */

export interface PlanStep {
  op: "create";
  urn: string;
  provider?: string;
  newState: {
    type: string;
    urn: string;
    custom: boolean;
    parent: string;
    provider?: string;
    inputs: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    deleteBeforeReplace?: boolean;
    ignoreChanges?: string[];
    additionalSecretOutputs?: string[];
    retainOnDelete?: boolean;
  };
}

export interface PreviewJson {
  config: Record<string, string>;
  steps: PlanStep[];
  changeSummary: Record<string, number>;
  diagnostics: Diagnostic[];
}

export interface PlanResult {
  ok: true;
  stack: string;
  plan: PreviewJson;
  /** The validated config the program saw (decisions and their sources, for the report). */
  config: ValidatedConfig;
}

export interface PlanFailure {
  ok: false;
  stack: string;
  problems: string[];
}

const PACKAGES: Record<string, string> = {
  "azure-native": "@pulumi/azure-native",
  azuread: "@pulumi/azuread",
  random: "@pulumi/random",
  time: "@pulumiverse/time",
  tls: "@pulumi/tls",
  github: "@pulumi/github",
};

function packageVersion(pkg: string): string {
  const npmName = PACKAGES[pkg];
  if (!npmName) return "0.0.0";
  const file = path.join(ROOT, "node_modules", ...npmName.split("/"), "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

function toSteps(stack: string, resources: RecordedResource[]): PlanStep[] {
  const steps: PlanStep[] = [];
  const providers = new Map<string, string>();
  const providerRef = (r: RecordedResource): string => {
    if (r.provider) return r.provider;
    const pkg = r.type.split(":")[0];
    const version = r.version || packageVersion(pkg);
    const key = `${pkg}@${version}`;
    let ref = providers.get(key);
    if (!ref) {
      const urn = `urn:pulumi:${stack}::${PROJECT}::pulumi:providers:${pkg}::default_${version.replace(/[.-]/g, "_")}`;
      ref = `${urn}::${UNKNOWN_VALUE}`;
      providers.set(key, ref);
      steps.push({
        op: "create",
        urn,
        newState: {
          type: `pulumi:providers:${pkg}`,
          urn,
          custom: true,
          parent: "",
          inputs: { version },
          dependencies: [],
          propertyDependencies: {},
          protect: false,
        },
      });
    }
    return ref;
  };
  for (const r of resources) {
    // A provider resource (the program's own, e.g. `pulumi:providers:kubernetes::aks`) has none.
    const provider = r.custom && !r.type.startsWith("pulumi:providers:") ? providerRef(r) : undefined;
    steps.push({
      op: "create",
      urn: r.urn,
      ...(provider ? { provider } : {}),
      newState: {
        type: r.type,
        urn: r.urn,
        custom: r.custom,
        parent: r.parent,
        ...(provider ? { provider } : {}),
        inputs: r.inputs,
        ...(r.outputs ? { outputs: r.outputs } : {}),
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
        protect: r.protect,
        ...(r.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        ...(r.ignoreChanges.length ? { ignoreChanges: r.ignoreChanges } : {}),
        ...(r.additionalSecretOutputs.length ? { additionalSecretOutputs: r.additionalSecretOutputs } : {}),
        ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
      },
    });
  }
  return steps;
}

/** Plans one stack. Resolves to a failure (never throws) when the config is refused. */
export async function planStack(opts: PlanOptions): Promise<PlanResult | PlanFailure> {
  const stack = opts.stack;
  const { values, secretKeys, diagnostics } = planConfig(opts);
  const validated = validatePlanConfig(stack, { values, secretKeys });

  const run = await runProgram({
    project: PROJECT,
    stack,
    config: values,
    secretKeys,
    program: engram,
    isolate: opts.isolate,
  });
  if (run.error) {
    if (run.error instanceof ConfigError) return { ok: false, stack, problems: run.error.problems };
    throw run.error;
  }
  if (!validated.ok)
    throw new Error(
      `the program accepted config that validateConfig refuses: ${validated.problems.join("; ")}`,
    );

  const config: Record<string, string> = {};
  for (const k of Object.keys(values).sort(byCodePoint))
    config[k] = secretKeys.includes(k) ? SECRET_MASK : values[k];
  const steps = toSteps(stack, run.resources);
  return {
    ok: true,
    stack,
    config: validated.config,
    plan: { config, steps, changeSummary: { create: steps.length }, diagnostics },
  };
}
