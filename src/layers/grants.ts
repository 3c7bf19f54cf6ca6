import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { grant, groupPrincipal, Principal, Scope } from "../../components/role-assignment";
import { ServiceIdentity } from "../../components/service-identity";
import { ACCESS, AccessRow, accessOn, Grantee, ScopeKind } from "../access";
import { Context, Platform } from "../context";

/** The identities and groups the rows of src/access.ts name, as far as a layer knows them. */
export interface Grantees {
  identities: Partial<Record<Grantee, ServiceIdentity>>;
  groups: Partial<Record<string, string>>;
}

/** The principal of a grantee: its identity, or its group when configured; undefined otherwise. */
export function principalOf(who: Grantee, grantees: Grantees): Principal | undefined {
  if (who.startsWith("group:")) {
    const key = who.slice("group:".length);
    const objectId = grantees.groups[key];
    return objectId === undefined ? undefined : groupPrincipal(key, objectId);
  }
  return grantees.identities[who]?.principal;
}

/**
 * Makes the rows of src/access.ts on one scope kind with `grant()`, in table order, for the
 * grantees that exist here (a group not configured, or an identity this layer does not know, gets
 * nothing). `opts(who)` gives each assignment its parent (and options), as the layer had them.
 */
export function applyAccess(
  ctx: Context,
  platform: Platform,
  on: ScopeKind,
  scope: Scope,
  grantees: Grantees,
  opts: (who: Grantee) => pulumi.CustomResourceOptions & { parent: pulumi.Resource },
  table: readonly AccessRow[] = ACCESS,
): Partial<Record<Grantee, authorization.RoleAssignment[]>> {
  const out: Partial<Record<Grantee, authorization.RoleAssignment[]>> = {};
  for (const { who, role } of accessOn(on, table)) {
    const principal = principalOf(who, grantees);
    if (principal === undefined) continue;
    const assignment = grant(
      { principal, role, scope, subscriptionId: platform.subscriptionId, environment: ctx.cfg.environment },
      opts(who),
    );
    (out[who] ??= []).push(assignment);
  }
  return out;
}
