import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { roleDefinitionResourceId } from "../../lib/roles";
import { roleAssignmentName } from "./names";

export interface GrantArgs {
  subscriptionId: string;
  /** ARM id of the scope: a resource group, container or key. Never a subscription. */
  scope: pulumi.Input<string>;
  principalId: pulumi.Input<string>;
  /** GUID of the role definition (built-in or the bootstrap's custom lock role). */
  roleDefinitionGuid: pulumi.Input<string>;
  description: string;
  /** ABAC condition, version 2.0. */
  condition?: string;
}

/**
 * One role assignment to a managed identity, named by UUID v5 of (scope, principal, role), with
 * `principalType` set so a brand-new identity does not fail with PrincipalNotFound.
 */
export function grant(
  name: string,
  args: GrantArgs,
  opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
  // Deployer identities are scoped to their environment's resource group or below it: a
  // subscription-wide (or wider) scope is refused outright.
  const scope = pulumi.output(args.scope).apply((s) => {
    if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i.test(s)) {
      throw new Error(`grant ${name}: scope ${s} is not inside a resource group`);
    }
    return s;
  });
  return new authorization.RoleAssignment(
    name,
    {
      roleAssignmentName: pulumi
        .all([scope, args.principalId, args.roleDefinitionGuid])
        .apply(([s, p, r]) => roleAssignmentName(s, p, r)),
      scope,
      principalId: args.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: pulumi
        .output(args.roleDefinitionGuid)
        .apply((guid) => roleDefinitionResourceId(args.subscriptionId, guid)),
      description: args.description,
      ...(args.condition !== undefined ? { condition: args.condition, conditionVersion: "2.0" } : {}),
    },
    opts,
  );
}
