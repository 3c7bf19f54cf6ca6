import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { checkGrant, PrincipalType, scopeRefusal } from "../lib/grants";
import { roleAssignmentName } from "../lib/ids";
import { roleDefinitionResourceId, RoleName } from "../lib/roles";
import { Environment } from "../lib/environments";

/** Something that can be granted a role. */
export interface Principal {
  principalId: pulumi.Input<string>;
  principalType: PrincipalType;
  /** Short, stable label for names, descriptions and reports: `backend`, `group:sre`. */
  label: string;
}

/** A configured Entra group (`engram:groups.<key>`) as a grantee, labelled `group:<key>`. */
export const groupPrincipal = (key: string, objectId: string): Principal => ({
  principalId: objectId,
  principalType: "Group",
  label: `group:${key}`,
});

/** Something a role can be granted on. */
export interface Scope {
  id: pulumi.Input<string>;
  /** Short, stable label for names, descriptions and reports: `kv-secret:zep-api-key`, `rg`. */
  label: string;
}

export interface GrantArgs {
  principal: Principal;
  role: RoleName;
  scope: Scope;
  /** The subscription the role definitions live in (from getClientConfig). */
  subscriptionId: pulumi.Input<string>;
  environment: Environment;
}

/** The slug of a role name for logical resource names: "Key Vault Secrets User" -> "key-vault-secrets-user". */
export const roleSlug = (role: string) => role.toLowerCase().replace(/[^a-z0-9]+/g, "-");

/**
 * Grants one built-in role to one principal on one scope, the only way this program creates role
 * assignments. It refuses Owner, User Access Administrator, roles outside the table, Contributor
 * outside groups.dev in dev/test, and subscription- or management-group scopes; it always sets
 * `principalType` (no PrincipalNotFound right after an identity is created) and names the
 * assignment with a UUID v5 of (scope, principal, role), so a re-run never meets
 * RoleAssignmentExists.
 *
 * The logical name is `<principal>-<role>-<scope>`, so inserting a grant never renames another.
 */
export function grant(
  args: GrantArgs,
  opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): authorization.RoleAssignment {
  const { principal, role, scope } = args;
  const roleGuid = checkGrant({
    role,
    principalLabel: principal.label,
    principalType: principal.principalType,
    scope: typeof scope.id === "string" ? scope.id : undefined,
    environment: args.environment,
  });
  const roleDefinitionId = pulumi
    .output(args.subscriptionId)
    .apply((subscriptionId) => roleDefinitionResourceId(subscriptionId, roleGuid));
  const scopeId = pulumi.output(scope.id).apply((s) => {
    const refusal = scopeRefusal(s, principal.label, role);
    if (refusal) throw new Error(refusal);
    return s;
  });
  const name = `${principal.label.replace(/[^a-zA-Z0-9-]+/g, "-")}-${roleSlug(role)}-${scope.label.replace(/[^a-zA-Z0-9-]+/g, "-")}`;
  return new authorization.RoleAssignment(
    name,
    {
      scope: scopeId,
      principalId: principal.principalId,
      principalType: principal.principalType,
      roleDefinitionId,
      roleAssignmentName: pulumi
        .all([scopeId, principal.principalId, roleDefinitionId])
        .apply(([s, p, r]) => roleAssignmentName(s, p, r)),
      description: `engram-infra: ${principal.label} -> ${role} on ${scope.label}`,
    },
    opts,
  );
}
