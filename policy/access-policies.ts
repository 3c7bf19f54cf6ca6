import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Environment, isHigher, PRIVILEGED_ROLES, obj, show, forType } from "./common";

/**
 * Who may do what: privileged roles, role assignment scopes, Entra app registrations.
 * Part of the pack that policies.ts assembles.
 */

export function privilegedRoles(env: Environment): ResourceValidationPolicy {
  return {
    name: "privileged-roles",
    description:
      "No Owner, User Access Administrator or RBAC Administrator for anyone; no Contributor for a managed identity, nor outside dev/test.",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:authorization:RoleAssignment", (p, _args, report) => {
      const guid = String(p.roleDefinitionId ?? "")
        .split("/")
        .pop()
        ?.toLowerCase();
      const role = PRIVILEGED_ROLES[guid ?? ""];
      if (!role) return;
      const sop = "(SOP 000 Identity Principles: least privilege + RBAC everywhere)";
      if (role !== "Contributor") report(`${role} is never assigned by this program ${sop}`);
      else if (p.principalType !== "Group")
        report(`Contributor is never assigned to a managed identity or user ${sop}`);
      else if (isHigher(env))
        report(`Contributor is allowed only to the Dev group in dev and test, not in ${env} ${sop}`);
    }),
  };
}

export function roleAssignmentScope(): ResourceValidationPolicy {
  return {
    name: "role-assignment-scope",
    description:
      "Every role assignment names its principalType and a scope inside a resource group; a managed identity's scope is a single resource.",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:authorization:RoleAssignment", (p, _args, report) => {
      const sop = "(SOP 000 Roles: Azure RBAC, scope MIs narrowly)";
      if (!["ServicePrincipal", "Group", "User"].includes(String(p.principalType)))
        report(`principalType is ${show(p.principalType)}, expected ServicePrincipal, Group or User ${sop}`);
      const scope = String(p.scope ?? "");
      const m = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+(\/providers\/.+)?$/i.exec(scope);
      if (!m) report(`scope ${show(p.scope)} is not inside a resource group ${sop}`);
      else if (p.principalType === "ServicePrincipal" && !m[1])
        report(
          `a managed identity is granted a role on a whole resource group (${scope}), not a resource ${sop}`,
        );
    }),
  };
}

export function entraApps(): ResourceValidationPolicy {
  return {
    name: "entra-app-flows",
    description:
      "Entra app registrations issue no tokens through the implicit grant and are not public clients (SOP 001: authorization code with PKCE for the SPA, bearer tokens for the API).",
    enforcementLevel: "mandatory",
    validateResource: forType("azuread:index/application:Application", (p, _args, report) => {
      const implicit = obj(obj(p.web).implicitGrant);
      for (const flag of ["accessTokenIssuanceEnabled", "idTokenIssuanceEnabled"])
        if (implicit[flag] !== false)
          report(
            `web.implicitGrant.${flag} is ${show(implicit[flag])}, must be false: tokens never travel in the URL (SOP 001 Security Best Practices: no implicit flow)`,
          );
      if (p.fallbackPublicClientEnabled !== false)
        report(
          `fallbackPublicClientEnabled is ${show(p.fallbackPublicClientEnabled)}, must be false (SOP 001 Security Best Practices: confidential API, PKCE SPA)`,
        );
    }),
  };
}
