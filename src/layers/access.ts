import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { grant, groupPrincipal, Principal } from "../../components/role-assignment";
import { Context, Platform } from "../context";
import { RoleName } from "../../lib/roles";
import { SERVICE_NAMES, ServiceName } from "../services";
import { ServiceIdentities } from "./identities";

/** Services that call the Azure AI account with their managed identity (DESIGN.md §4). */
export const AI_USERS: readonly ServiceName[] = ["backend", "worker"];

/** Platform groups' roles on the resource group (DESIGN.md §4); `dev` is refused in higher envs by config. */
export const RESOURCE_GROUP_ROLES: Record<"sre" | "dev", readonly RoleName[]> = {
  sre: ["Monitoring Reader", "Reader"],
  dev: ["Contributor"],
};

/** What later layers need of these grants: each service's AcrPull (its app waits for it). */
export interface AccessLayer {
  acrPull: Partial<Record<ServiceName, authorization.RoleAssignment>>;
}

/**
 * The role assignments of DESIGN.md §4 that need only the service identities and scopes that
 * exist before this program's data layer: the Azure AI account, the container registry, and the
 * platform groups on the resource group. Grants on Key Vault secrets, Storage and Application
 * Insights come with the layers that create those resources, through the same `grant()`.
 */
export function buildAccess(
  ctx: Context,
  platform: Platform,
  identities: ServiceIdentities,
  resourceGroup: pulumi.Resource,
): AccessLayer {
  const cfg = ctx.cfg;
  const acrPull: AccessLayer["acrPull"] = {};
  const add = (
    principal: Principal,
    role: RoleName,
    scope: { id: pulumi.Input<string>; label: string },
    parent: pulumi.Resource,
  ) =>
    grant(
      { principal, role, scope, subscriptionId: platform.subscriptionId, environment: cfg.environment },
      // Children inherit `protect`; a role assignment must stay revocable at any time
      // (SOP 000 Incident Response: remove MI role bindings), so it is never protected.
      { parent, protect: false },
    );

  for (const service of AI_USERS)
    add(
      identities[service].principal,
      "Cognitive Services OpenAI User",
      { id: cfg.ai.accountId, label: "ai-account" },
      identities[service],
    );

  const acrId = cfg.registry?.acrId;
  if (acrId !== undefined)
    for (const service of SERVICE_NAMES)
      acrPull[service] = add(
        identities[service].principal,
        "AcrPull",
        { id: acrId, label: "acr" },
        identities[service],
      );

  const rg = { id: platform.resourceGroupId, label: "rg" };
  for (const group of ["sre", "dev"] as const) {
    const objectId = cfg.groups[group];
    if (objectId === undefined) continue;
    const principal = groupPrincipal(group, objectId);
    for (const role of RESOURCE_GROUP_ROLES[group]) add(principal, role, rg, resourceGroup);
  }
  return { acrPull };
}
