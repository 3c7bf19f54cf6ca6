import { Environment, LOWER_ENVIRONMENTS } from "./environments";
import { BUILT_IN_ROLES, FORBIDDEN_ROLES, RoleName } from "./roles";

/**
 * The rules every role assignment obeys (DESIGN.md §4), as a pure check so each refusal is
 * tested by its exact message. `components/role-assignment.ts` calls it before registering.
 */

export type PrincipalType = "ServicePrincipal" | "Group" | "User";

export interface GrantRequest {
  /** A role by name (from the built-in table) or a role definition GUID. */
  role: string;
  /** What the principal is, for the message and the Contributor rule: `backend`, `group:dev`. */
  principalLabel: string;
  principalType: PrincipalType;
  /** The ARM id of the scope, when known at this point (it may still be an unresolved Output). */
  scope?: string;
  environment: Environment;
}

const SUBSCRIPTION_SCOPE = /^\/subscriptions\/[^/]+\/?$/i;
const MANAGEMENT_GROUP_SCOPE = /^\/providers\/Microsoft\.Management\/managementGroups\//i;

/** Refusal of a scope: subscription, management group or root. Undefined when allowed. */
export function scopeRefusal(scope: string, principalLabel: string, role: string): string | undefined {
  if (scope === "/" || scope === "" || SUBSCRIPTION_SCOPE.test(scope) || MANAGEMENT_GROUP_SCOPE.test(scope)) {
    return `role assignment ${principalLabel} -> ${role} on scope "${scope}" is refused: assignments are made at resource or resource-group scope, never at subscription, management-group or root scope (DESIGN.md §4, SOP 000 least privilege)`;
  }
  return undefined;
}

/** The role GUID of an allowed request; throws with the rule it breaks otherwise. */
export function checkGrant(req: GrantRequest): string {
  const forbidden = Object.entries(FORBIDDEN_ROLES).find(
    ([name, id]) => req.role === name || req.role.toLowerCase() === id,
  );
  if (forbidden) {
    throw new Error(
      `role assignment ${req.principalLabel} -> ${forbidden[0]} is refused: ${forbidden[0]} is never assigned by this program (DESIGN.md §4: no Owner, User Access Administrator or RBAC Administrator)`,
    );
  }
  const entry = Object.entries(BUILT_IN_ROLES).find(
    ([name, id]) => req.role === name || req.role.toLowerCase() === id,
  );
  if (!entry) {
    throw new Error(
      `role assignment ${req.principalLabel} -> ${req.role} is refused: only the built-in roles of lib/roles.ts are assigned (${Object.keys(BUILT_IN_ROLES).join(", ")})`,
    );
  }
  const [name, id] = entry as [RoleName, string];
  if (
    name === "Contributor" &&
    !(
      req.principalLabel === "group:dev" &&
      req.principalType === "Group" &&
      LOWER_ENVIRONMENTS.includes(req.environment)
    )
  ) {
    throw new Error(
      `role assignment ${req.principalLabel} -> Contributor is refused in ${req.environment}: Contributor is granted only to groups.dev, and only in dev and test (DESIGN.md §4)`,
    );
  }
  if (req.scope !== undefined) {
    const refusal = scopeRefusal(req.scope, req.principalLabel, name);
    if (refusal) throw new Error(refusal);
  }
  return id;
}
