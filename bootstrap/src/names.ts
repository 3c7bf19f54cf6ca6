import { IdScheme, roleAssignmentName as roleAssignmentNameIn, uuidOf } from "../../lib/ids";
import { checkName, resourceName, shortHash } from "../../lib/naming";
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

/**
 * The bootstrap's spelling of lib/ids.ts's ids: its own namespace, parts joined with `|`, and role
 * assignment names without a leading kind. It was fixed when the first subscription was
 * bootstrapped; the program's spelling would rename every deployer role assignment and the
 * lock-operator roles of a bootstrapped subscription, so the bootstrap keeps its own.
 */
export const BOOTSTRAP_IDS: IdScheme = {
  namespace: BOOTSTRAP_UUID_NAMESPACE,
  separator: "|",
  roleAssignmentKind: "",
};

/** The resource group that holds the state account, the vault and the deployer identities. */
export const BOOTSTRAP_RESOURCE_GROUP = "rg-engram-bootstrap";

/**
 * Default name of an environment's resource group; the apply identity is scoped to it. The main
 * program's naming rule, so the two always agree.
 */
export function defaultEnvironmentResourceGroup(env: Environment): string {
  return resourceName({ environment: env, suffix: "" }, "resourceGroup");
}

/**
 * Deterministic 6-character suffix per subscription, for the globally unique names: the naming
 * helper's short hash (lib/naming.ts), seeded by the subscription (the program seeds it by
 * project and stack; one state backend per subscription).
 */
export function defaultNameSuffix(subscriptionId: string): string {
  return shortHash(subscriptionId.toLowerCase());
}

/** Checked against Azure's rules for the type (lib/naming.ts), as the program's names are. */
export const stateStorageAccountName = (suffix: string): string =>
  checkName("storageAccount", `stengramstate${suffix}`);
export const stateKeyVaultName = (suffix: string): string =>
  checkName("keyVault", `kv-engram-state-${suffix}`);
export const stateContainerName = (env: Environment): string => `state-${env}`;
export const secretsKeyName = (env: Environment): string => `pulumi-${env}`;
/** `id-engram-<env>-plan`: the program's naming rule for identities. */
export const planIdentityName = (env: Environment): string =>
  resourceName({ environment: env, suffix: "" }, "userAssignedIdentity", "plan");
export const applyIdentityName = (env: Environment): string =>
  resourceName({ environment: env, suffix: "" }, "userAssignedIdentity", "apply");

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
 * Name of a role assignment: the program's rule (lib/ids.ts: UUID v5 of scope, principal and role,
 * lower-cased), in the bootstrap's scheme; the role is named by its definition GUID.
 */
export function roleAssignmentName(scope: string, principalId: string, roleDefinitionGuid: string): string {
  return roleAssignmentNameIn(scope, principalId, roleDefinitionGuid, BOOTSTRAP_IDS);
}

/** Name (a GUID) of the per-environment custom role that manages resource locks. */
export function lockOperatorRoleGuid(subscriptionId: string, env: Environment): string {
  return uuidOf(BOOTSTRAP_IDS, ["lock-operator", subscriptionId.toLowerCase(), env]);
}
