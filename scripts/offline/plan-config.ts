import * as path from "path";
import {
  foreignConfig,
  namespaceKeys,
  namespaceValues,
  NAMESPACE,
  SECRET_SETTINGS,
  SECRET_SETTING_KEYS,
  validateConfig,
} from "../../src/config";
import { escapeText } from "../../lib/text";
import { readStackFile, StackFileConfig } from "./stack-file";

/**
 * What a plan runs with, without loading the SDK or the program: the project, the stack file's
 * config plus the secret placeholders for required secrets it lacks, and the diagnostics that say
 * so. The plan command validates this config before it loads the program, so a refusal answers at
 * once; `planStack` (plan.ts) runs the program with the same config.
 */

export const PROJECT = "engram-infra";
export const ROOT = path.resolve(__dirname, "..", "..");

export interface Diagnostic {
  urn: string;
  prefix: string;
  message: string;
  color: "never";
  severity: "info" | "warning" | "error";
}

/** The value fed for a required secret the stack file lacks. Tests look for it in the plan. */
export function secretPlaceholder(key: string): string {
  return `offline-placeholder-for-${NAMESPACE}-${key}`;
}

function diagnostic(stack: string, severity: Diagnostic["severity"], message: string): Diagnostic {
  return {
    urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`,
    prefix: `${severity}: `,
    message: `${message}\n`,
    color: "never",
    severity,
  };
}

export interface PlanOptions {
  stack: string;
  /** The stack file; default `Pulumi.<stack>.yaml` at the repository root. */
  stackFile?: string;
  /** Config to use instead of reading the stack file (full keys): a read stack file, or a test's. */
  config?: Pick<StackFileConfig, "values" | "secretKeys"> & Partial<Pick<StackFileConfig, "encrypted">>;
  /** Feed placeholders for required secrets the config lacks (default true). */
  secretPlaceholders?: boolean;
  /** Run in the process's own Pulumi state (see runProgram); the plan command, once per process. */
  isolate?: boolean;
}

/**
 * The config a plan runs with: the stack file's (or the given) values, plus secret placeholders
 * for required secrets it lacks, each reported as a diagnostic.
 */
export function planConfig(opts: PlanOptions): {
  values: Record<string, string>;
  secretKeys: string[];
  diagnostics: Diagnostic[];
} {
  const stack = opts.stack;
  const source = opts.config ?? readStackFile(opts.stackFile ?? path.join(ROOT, `Pulumi.${stack}.yaml`));
  const values = { ...source.values };
  const secretKeys = [...source.secretKeys];
  const diagnostics: Diagnostic[] = [];
  for (const key of source.encrypted ?? []) {
    diagnostics.push(
      diagnostic(
        stack,
        "warning",
        `${escapeText(key)} is encrypted in the stack file and cannot be decrypted offline; the plan used a secret placeholder`,
      ),
    );
  }
  if (opts.secretPlaceholders ?? true) {
    for (const key of SECRET_SETTING_KEYS) {
      const full = `${NAMESPACE}:${key}`;
      if (SECRET_SETTINGS[key].required && values[full] === undefined) {
        values[full] = secretPlaceholder(key);
        secretKeys.push(full);
        diagnostics.push(
          diagnostic(
            stack,
            "info",
            `${full} is not in the stack file (CI sets it); the offline plan used a secret placeholder. Set it with \`pulumi config set --secret ${full} <value>\``,
          ),
        );
      }
    }
  }

  return { values, secretKeys, diagnostics };
}

/** Validates a plan's config (full keys) as the program will: the engram keys and every other namespace. */
export function validatePlanConfig(
  stack: string,
  config: { values: Record<string, string>; secretKeys: string[] },
): ReturnType<typeof validateConfig> {
  return validateConfig({
    project: PROJECT,
    stack,
    values: namespaceValues(config.values),
    secretKeys: namespaceKeys(config.secretKeys),
    foreign: foreignConfig(config.values, (k) => config.secretKeys.includes(k)),
  });
}
