import { ServiceIdentity } from "../../components/service-identity";
import { Context, Platform } from "../context";
import { SERVICE_NAMES, ServiceName } from "../services";

export type ServiceIdentities = Record<ServiceName, ServiceIdentity>;

/** One user-assigned managed identity per service (DESIGN.md §2), named `id-engram-<env>-<service>`. */
export function buildServiceIdentities(ctx: Context, platform: Platform): ServiceIdentities {
  const out = {} as ServiceIdentities;
  for (const service of SERVICE_NAMES) {
    out[service] = new ServiceIdentity(`id-${service}`, {
      service,
      identityName: ctx.name("userAssignedIdentity", service),
      resourceGroupName: platform.resourceGroupName,
      location: platform.location,
      tags: ctx.tags,
    });
  }
  return out;
}
