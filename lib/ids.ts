import { v5 as uuidv5 } from "uuid";

/**
 * The UUID v5 namespace of this project. It is itself a v5 id of the project's name under the URL
 * namespace, so anyone can recompute it; changing it would rename every role assignment and every
 * Entra role/scope id, so it never changes.
 */
export const ENGRAM_NAMESPACE = uuidv5("https://github.com/engram/engram-infra", uuidv5.URL);

/**
 * A deterministic UUID (v5, RFC 9562) of the given parts. The parts are joined with a separator
 * that cannot occur in ARM ids or role names, so ("a/b", "c") and ("a", "b/c") never collide.
 */
export function deterministicUuid(...parts: string[]): string {
  if (parts.length === 0) throw new Error("deterministicUuid needs at least one part");
  return uuidv5(parts.join("\u001f"), ENGRAM_NAMESPACE);
}

/** The id of an Entra app role or OAuth2 scope: stable per (environment, value), across runs and machines. */
export function entraPermissionId(environment: string, kind: "role" | "scope", value: string): string {
  return deterministicUuid("entra", environment, kind, value);
}

/**
 * The name of an Azure role assignment: a UUID v5 of (scope, principal, role definition), so a
 * re-run or a re-import computes the same name and never meets RoleAssignmentExists.
 * ARM ids are case-insensitive, so the scope and role id are lower-cased first.
 */
export function roleAssignmentName(scope: string, principalId: string, roleDefinitionId: string): string {
  return deterministicUuid(
    "role-assignment",
    scope.toLowerCase(),
    principalId.toLowerCase(),
    roleDefinitionId.toLowerCase(),
  );
}
