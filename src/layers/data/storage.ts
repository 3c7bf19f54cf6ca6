import { Principal } from "../../../components/role-assignment";
import { Storage } from "../../../components/storage";
import { RoleName } from "../../../lib/roles";
import { accessOn } from "../../access";
import { Context, Platform } from "../../context";
import { principalOf } from "../grants";
import { ServiceIdentities } from "../identities";
import { NetworkLayer } from "../network";

/**
 * The storage account (DESIGN.md §3, §7): the rows of src/access.ts on the container (backend and
 * worker write blobs, groups.data reads them); shared keys, public access and redundancy from the
 * matrix.
 */
export function buildStorage(
  ctx: Context,
  platform: Platform,
  deps: { identities: ServiceIdentities; network: NetworkLayer },
): Storage {
  const cfg = ctx.cfg;
  const d = cfg.decisions;
  return new Storage("storage", {
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
    accountName: ctx.name("storageAccount"),
    sharedKeyAccess: d.sharedKeyAccess.value,
    publicNetworkAccess: !d.privateEndpoints.value,
    allowedIpRanges: cfg.adminIpAllowlist,
    // The aca subnet's service endpoints (dev/test); on AKS (higher envs only) the private endpoints.
    allowedSubnetIds: deps.network.subnets.aca ? [deps.network.subnets.aca.id] : [],
    dataProtection: cfg.fixed.blobDataProtection,
    geoRedundant: d.availability.value,
    softDeleteDays: 14,
    containerGrants: containerGrants({ identities: deps.identities, groups: cfg.groups }),
    subscriptionId: platform.subscriptionId,
    environment: cfg.environment,
    protect: ctx.protect,
  });
}

/** The rows on the container, keyed by grantee (and role, for a grantee's second role). */
function containerGrants(
  grantees: Parameters<typeof principalOf>[1],
): Record<string, { principal: Principal; role: RoleName }> {
  const out: Record<string, { principal: Principal; role: RoleName }> = {};
  for (const { who, role } of accessOn("st-container")) {
    const principal = principalOf(who, grantees);
    if (principal !== undefined) out[who in out ? `${who}:${role}` : who] = { principal, role };
  }
  return out;
}
