/**
 * The Azure built-in role definitions this program may assign, by name, with their fixed GUIDs.
 * The GUIDs are the same in every Azure public-cloud tenant
 * (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 *
 * This table is also the allow-list: a role that is not here cannot be granted by `grant()`, and the
 * bootstrap's apply identity may assign exactly these roles (its RBAC Administrator condition is
 * built from `ASSIGNABLE_ROLES`).
 */
export const BUILT_IN_ROLES = {
  "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
  "Key Vault Reader": "21090545-7ca7-4776-b22c-e363652d74d2",
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
  "Monitoring Reader": "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
  "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
  "Log Analytics Reader": "73c42c96-874c-492b-b04d-ab87d138a893",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  // The AKS cluster (DESIGN.md §11): what its control-plane identity needs on the resources it
  // manages, and the read-only cluster roles of groups.sre.
  "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
  "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
  "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
  "Azure Kubernetes Service RBAC Reader": "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
  "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
} as const;

export type RoleName = keyof typeof BUILT_IN_ROLES;

/** Roles the program assigns; the bootstrap's apply identity is conditioned to exactly these. */
export const ASSIGNABLE_ROLES: readonly RoleName[] = Object.keys(BUILT_IN_ROLES) as RoleName[];

/**
 * Roles that are never assigned by this program, whatever the caller asks (SOP 000: least
 * privilege; DESIGN.md §4). Kept with their GUIDs so a request by id is refused too.
 */
export const FORBIDDEN_ROLES = {
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
} as const;

/** Roles used only by the bootstrap project for the deployer identities (never by the program). */
export const BOOTSTRAP_ROLES = {
  "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  "Storage Blob Data Contributor": BUILT_IN_ROLES["Storage Blob Data Contributor"],
  "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
  Reader: BUILT_IN_ROLES.Reader,
  Contributor: BUILT_IN_ROLES.Contributor,
} as const;

/** The full ARM id of a role definition (built-in or custom), subscription-relative as ARM expects it. */
export function roleDefinitionResourceId(subscriptionId: string, roleDefinitionGuid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleDefinitionGuid}`;
}
