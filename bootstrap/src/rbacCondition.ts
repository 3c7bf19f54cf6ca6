import { ASSIGNABLE_ROLES, BUILT_IN_ROLES, RoleName } from "../../lib/roles";
import { LOWER_ENVIRONMENTS } from "../../lib/environments";
import { Environment } from "./names";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Principal types the apply identity may grant roles to: the program's managed identities
 * (ServicePrincipal) and the Entra groups of DESIGN.md §4. Never an individual user.
 */
export const ASSIGNABLE_PRINCIPAL_TYPES = ["ServicePrincipal", "Group"] as const;

/**
 * Roles the apply identity of one environment may assign: the program's list (`ASSIGNABLE_ROLES`),
 * except Contributor above test, because the program grants Contributor only to groups.dev in dev
 * and test (DESIGN.md §4: "No Owner, Contributor (outside the dev group in lower envs)").
 */
export function assignableRolesFor(env: Environment): RoleName[] {
  const lower = LOWER_ENVIRONMENTS.includes(env);
  return ASSIGNABLE_ROLES.filter((role) => lower || role !== "Contributor");
}

/** GUIDs of `assignableRolesFor(env)`, in the order of `ASSIGNABLE_ROLES`. */
export function assignableRoleGuidsFor(env: Environment): string[] {
  return assignableRolesFor(env).map((role) => BUILT_IN_ROLES[role]);
}

/**
 * The ABAC condition (version 2.0) on the apply identity's Role Based Access Control Administrator
 * assignment. It follows Microsoft's "Constrain roles and principal types" example
 * (learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples): one
 * clause per action, because `roleAssignments/write` exposes the role through `@Request` and
 * `roleAssignments/delete` through `@Resource`. Without both clauses the identity could delete
 * any assignment in the resource group, or create one for any role.
 */
export function rbacAdministratorCondition(
  roleGuids: readonly string[],
  principalTypes: readonly string[] = ASSIGNABLE_PRINCIPAL_TYPES,
): string {
  if (roleGuids.length === 0) {
    throw new Error("rbacAdministratorCondition: at least one role is required");
  }
  const bad = roleGuids.filter((g) => !GUID.test(g));
  if (bad.length > 0) {
    throw new Error(`rbacAdministratorCondition: not a lower-case GUID: ${bad.join(", ")}`);
  }
  if (principalTypes.length === 0) {
    throw new Error("rbacAdministratorCondition: at least one principal type is required");
  }
  const roles = `{${roleGuids.join(", ")}}`;
  const types = `{${principalTypes.map((t) => `'${t}'`).join(", ")}}`;
  const clause = (action: "write" | "delete", source: "Request" | "Resource"): string[] => [
    "(",
    " (",
    `  !(ActionMatches{'Microsoft.Authorization/roleAssignments/${action}'})`,
    " )",
    " OR",
    " (",
    `  @${source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals ${roles}`,
    "  AND",
    `  @${source}[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase ${types}`,
    " )",
    ")",
  ];
  return [...clause("write", "Request"), "AND", ...clause("delete", "Resource")].join("\n");
}
