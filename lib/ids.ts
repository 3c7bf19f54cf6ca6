import { v5 as uuidv5 } from "uuid";

/**
 * The UUID v5 namespace of this project. It is itself a v5 id of the project's name under the URL
 * namespace, so anyone can recompute it; changing it would rename every role assignment and every
 * Entra role/scope id, so it never changes.
 */
export const ENGRAM_NAMESPACE = uuidv5("https://github.com/engram/engram-infra", uuidv5.URL);

/**
 * How a project spells its deterministic ids. The rules (which parts, lower-cased where ARM ignores
 * case) are the functions below and shared; the spelling is fixed per project the day its first id
 * is deployed, because changing it renames every id (Azure sees delete + create).
 */
export interface IdScheme {
  /** The UUID v5 namespace. */
  namespace: string;
  /** What the parts are joined with before hashing. */
  separator: string;
  /** The first part of a role assignment's name; `""` for none. */
  roleAssignmentKind: string;
}

/**
 * This program's ids: its own namespace, and a separator that cannot occur in ARM ids or role
 * names, so ("a/b", "c") and ("a", "b/c") never collide.
 */
export const ENGRAM_IDS: IdScheme = {
  namespace: ENGRAM_NAMESPACE,
  separator: "\u001f",
  roleAssignmentKind: "role-assignment",
};

/** A deterministic UUID (v5, RFC 9562) of the given parts, spelled by `scheme`. */
export function uuidOf(scheme: IdScheme, parts: readonly string[]): string {
  if (parts.length === 0) throw new Error("deterministicUuid needs at least one part");
  return uuidv5(parts.join(scheme.separator), scheme.namespace);
}

/** A deterministic UUID (v5, RFC 9562) of the given parts, in this program's scheme. */
export function deterministicUuid(...parts: string[]): string {
  return uuidOf(ENGRAM_IDS, parts);
}

/** The id of an Entra app role or OAuth2 scope: stable per (environment, value), across runs and machines. */
export function entraPermissionId(environment: string, kind: "role" | "scope", value: string): string {
  return deterministicUuid("entra", environment, kind, value);
}

/**
 * The name of an Azure role assignment: a UUID v5 of (scope, principal, role definition), so a
 * re-run or a re-import computes the same name and never meets RoleAssignmentExists.
 * ARM ids are case-insensitive, so the scope and role id are lower-cased first. The program and
 * the bootstrap both name their assignments here, each in its own scheme.
 */
export function roleAssignmentName(
  scope: string,
  principalId: string,
  roleDefinitionId: string,
  scheme: IdScheme = ENGRAM_IDS,
): string {
  const parts = [scope.toLowerCase(), principalId.toLowerCase(), roleDefinitionId.toLowerCase()];
  return uuidOf(scheme, scheme.roleAssignmentKind === "" ? parts : [scheme.roleAssignmentKind, ...parts]);
}

/** The Azure CLI's well-known client id (SOP 001: pre-authorized for token-based smoke tests). */
export const AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
