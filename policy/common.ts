import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";

/**
 * The SOP's thresholds, written out (policies.ts says why they are not taken from the program), and
 * the helpers every policy file uses.
 */

export const ENVIRONMENTS = ["dev", "test", "uat", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
const HIGHER: readonly Environment[] = ["uat", "staging", "prod"];
export const isHigher = (env: Environment) => HIGHER.includes(env);

export function isEnvironment(value: unknown): value is Environment {
  return typeof value === "string" && (ENVIRONMENTS as readonly string[]).includes(value);
}

/** Log Analytics retention floor per environment (SOP 000 Audit & Logging: retain per env, prod >= 365d). */
export const LOG_RETENTION_DAYS: Record<Environment, number> = {
  dev: 30,
  test: 30,
  uat: 90,
  staging: 90,
  prod: 365,
};

/** Built-in roles that grant control over resources or access (fixed GUIDs in every Azure tenant). */
export const PRIVILEGED_ROLES: Record<string, string> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
};

/** Resource types that hold state: protected (Pulumi `protect`) in uat, staging and prod. */
export const STATEFUL_TYPES: readonly string[] = [
  "azure-native:keyvault:Vault",
  "azure-native:storage:StorageAccount",
  "azure-native:dbforpostgresql:Server",
  "azure-native:dbforpostgresql:Database",
  "azure-native:operationalinsights:Workspace",
  "azure-native:applicationinsights:Component",
  "azure-native:resources:ResourceGroup",
  // Deleting an app registration or its service principal loses its ids (audience, role ids).
  "azuread:index/application:Application",
  "azuread:index/servicePrincipal:ServicePrincipal",
];

/** Services that are backplanes: never reachable from outside their environment. */
export const INTERNAL_SERVICES: readonly string[] = ["zep", "temporal", "temporal-ui"];

/** Environment variables that carry a credential (SOP 002 Required Secrets and their kind). */
export const SECRET_ENV = /(_API_KEY|_AI_KEY|PASSWORD|_PWD|SECRET|_TOKEN)$/;

/** How a secret value appears in a plan (the offline plan masks every secret so). */
export const SECRET_MASK = "[secret]";

export type Props = Record<string, unknown>;
export const obj = (v: unknown): Props => (v !== null && typeof v === "object" ? (v as Props) : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const show = (v: unknown) => (v === undefined ? "unset" : JSON.stringify(v));

/** A resource policy for one type: the callback runs only for resources of that type. */
export function forType(
  type: string,
  check: (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void,
): (args: ResourceValidationArgs, report: ReportViolation) => void {
  return (args, report) => {
    if (args.type === type) check(args.props as Props, args, report);
  };
}
