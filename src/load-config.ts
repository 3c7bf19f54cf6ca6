import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  EngramConfig,
  foreignConfig,
  NAMESPACE,
  namespaceValues,
  validateConfig,
} from "./config";

/**
 * The one place the program reads Pulumi's config at run time: everything else about config is pure
 * (src/config.ts), so the plan command and the tests validate a stack without loading the SDK.
 */

/** Whether Pulumi holds a full config key as secret for this run. */
function isRuntimeSecret(fullKey: string): boolean {
  // `pulumi.runtime.isConfigSecret` is exported but left out of the typings as internal; the SDK
  // internals table (scripts/offline/sdk-internals.ts) names it, and its test fails if it changes.
  const runtime = pulumi.runtime as unknown as { isConfigSecret(k: string): boolean };
  return runtime.isConfigSecret(fullKey);
}

/** The keys Pulumi holds as secrets for this run (without the namespace). */
function runtimeSecretKeys(keys: string[]): string[] {
  return keys.filter((k) => isRuntimeSecret(`${NAMESPACE}:${k}`));
}

/**
 * Reads and validates the stack's config. Throws a ConfigError naming every problem; registers
 * nothing. Secret values are read with getSecret/requireSecret and stay Outputs.
 */
export function loadConfig(): EngramConfig {
  const all = pulumi.runtime.allConfig();
  const values = namespaceValues(all);
  const result = validateConfig({
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    values,
    secretKeys: runtimeSecretKeys(Object.keys(values)),
    foreign: foreignConfig(all, isRuntimeSecret),
  });
  if (!result.ok) throw new ConfigError(result.problems);

  const cfg = new pulumi.Config(NAMESPACE);
  const secrets: EngramConfig["secrets"] = { azureAiKey: cfg.requireSecret("azureAiKey") };
  for (const key of result.config.secretsPresent) {
    if (key !== "azureAiKey") secrets[key] = cfg.requireSecret(key);
  }
  return { ...result.config, secrets };
}
