import { createHash } from "crypto";
import { v5 as uuidv5 } from "uuid";
import { resourceName } from "../../lib/naming";
import { Environment, HIGHER_ENVIRONMENTS } from "../../lib/environments";

/** The five environments, in deployment order: the main program's matrix rows (DESIGN.md §1, §9). */
export { ENVIRONMENTS } from "../../lib/environments";
export type { Environment } from "../../lib/environments";

/** Environments whose deployments wait for a reviewer's approval in GitHub: the higher ones (DESIGN.md §9). */
export const APPROVAL_ENVIRONMENTS: readonly Environment[] = HIGHER_ENVIRONMENTS;

/**
 * Namespace of every UUID v5 this project derives. Fixed forever: changing it renames every role
 * assignment and role definition, which Azure sees as delete + create.
 */
export const BOOTSTRAP_UUID_NAMESPACE = "740db3d4-cfee-4774-9b05-d8dfcae969c7";

/** The resource group that holds the state account, the vault and the deployer identities. */
export const BOOTSTRAP_RESOURCE_GROUP = "rg-engram-bootstrap";

/**
 * Default name of an environment's resource group; the apply identity is scoped to it. The main
 * program's naming rule, so the two always agree.
 */
export function defaultEnvironmentResourceGroup(env: Environment): string {
  return resourceName({ environment: env, suffix: "" }, "resourceGroup");
}

/** Deterministic 6-character suffix per subscription, for the globally unique names. */
export function defaultNameSuffix(subscriptionId: string): string {
  return createHash("sha256").update(subscriptionId.toLowerCase()).digest("hex").slice(0, 6);
}

export const stateStorageAccountName = (suffix: string): string => `stengramstate${suffix}`;
export const stateKeyVaultName = (suffix: string): string => `kv-engram-state-${suffix}`;
export const stateContainerName = (env: Environment): string => `state-${env}`;
export const secretsKeyName = (env: Environment): string => `pulumi-${env}`;
export const planIdentityName = (env: Environment): string => `id-engram-${env}-plan`;
export const applyIdentityName = (env: Environment): string => `id-engram-${env}-apply`;

/** The GitHub environment the plan identity is bound to (PR previews and drift detection). */
export const previewEnvironmentName = (env: Environment): string => `${env}-preview`;

/** `PULUMI_BACKEND_URL` of one environment: its own container, so one env cannot read another's state. */
export function backendUrl(storageAccount: string, env: Environment): string {
  return `azblob://${stateContainerName(env)}?storage_account=${storageAccount}`;
}

/** `PULUMI_SECRETS_PROVIDER` of one environment: its own key, without a version (latest is used). */
export function secretsProviderUrl(vaultName: string, env: Environment): string {
  return `azurekeyvault://${vaultName}.vault.azure.net/keys/${secretsKeyName(env)}`;
}

/**
 * Name of a role assignment: UUID v5 of (scope, principal, role). ARM ids are case-insensitive, so
 * the scope is lower-cased; re-runs and other machines compute the same name and never hit
 * RoleAssignmentExists.
 */
export function roleAssignmentName(scope: string, principalId: string, roleDefinitionGuid: string): string {
  return uuidv5(
    `${scope.toLowerCase()}|${principalId.toLowerCase()}|${roleDefinitionGuid.toLowerCase()}`,
    BOOTSTRAP_UUID_NAMESPACE,
  );
}

/** Name (a GUID) of the per-environment custom role that manages resource locks. */
export function lockOperatorRoleGuid(subscriptionId: string, env: Environment): string {
  return uuidv5(`lock-operator|${subscriptionId.toLowerCase()}|${env}`, BOOTSTRAP_UUID_NAMESPACE);
}
