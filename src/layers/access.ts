import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { Context, Platform } from "../context";
import { ServiceName } from "../services";
import { applyAccess, Grantees } from "./grants";
import { ServiceIdentities } from "./identities";

/** What later layers need of these grants: each service's AcrPull (its app waits for it). */
export interface AccessLayer {
  acrPull: Partial<Record<ServiceName, authorization.RoleAssignment>>;
}

/**
 * The rows of src/access.ts (DESIGN.md §4) on the scopes that exist before this program's data
 * layer: the Azure AI account, the container registry, and the resource group. The rows on Key
 * Vault secrets, Storage, Application Insights and the gateway's certificate are made by the layers
 * that create those scopes, from the same table.
 */
export function buildAccess(
  ctx: Context,
  platform: Platform,
  identities: ServiceIdentities,
  resourceGroup: pulumi.Resource,
): AccessLayer {
  const cfg = ctx.cfg;
  const grantees: Grantees = { identities, groups: cfg.groups };
  // Children inherit `protect`; a role assignment must stay revocable at any time
  // (SOP 000 Incident Response: remove MI role bindings), so it is never protected.
  const onIdentity = (who: string) => ({ parent: identities[who as ServiceName], protect: false });

  applyAccess(
    ctx,
    platform,
    "ai-account",
    { id: cfg.ai.accountId, label: "ai-account" },
    grantees,
    onIdentity,
  );

  const acrPull: AccessLayer["acrPull"] = {};
  const acrId = cfg.registry?.acrId;
  if (acrId !== undefined) {
    const made = applyAccess(ctx, platform, "acr", { id: acrId, label: "acr" }, grantees, onIdentity);
    for (const [who, assignments] of Object.entries(made)) acrPull[who as ServiceName] = assignments[0];
  }

  const rg = { id: platform.resourceGroupId, label: "rg" };
  applyAccess(ctx, platform, "rg", rg, grantees, () => ({ parent: resourceGroup, protect: false }));
  return { acrPull };
}
