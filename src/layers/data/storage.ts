import { groupPrincipal } from "../../../components/role-assignment";
import { Storage } from "../../../components/storage";
import { Context, Platform } from "../../context";
import { ServiceIdentities } from "../identities";
import { NetworkLayer } from "../network";

/**
 * The storage account (DESIGN.md §3, §7): backend and worker write blobs, groups.data reads them,
 * each on the container only; shared keys, public access and redundancy from the matrix.
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
    allowedSubnetIds: [deps.network.subnets.aca.id],
    dataProtection: cfg.fixed.blobDataProtection,
    geoRedundant: d.availability.value,
    softDeleteDays: 14,
    containerGrants: {
      backend: { principal: deps.identities.backend.principal, role: "Storage Blob Data Contributor" },
      worker: { principal: deps.identities.worker.principal, role: "Storage Blob Data Contributor" },
      ...(cfg.groups.data
        ? {
            "group:data": {
              principal: groupPrincipal("data", cfg.groups.data),
              role: "Storage Blob Data Reader",
            },
          }
        : {}),
    },
    subscriptionId: platform.subscriptionId,
    environment: cfg.environment,
    protect: ctx.protect,
  });
}
