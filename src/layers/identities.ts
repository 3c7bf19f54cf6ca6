import { ServiceIdentity } from "../../components/service-identity";
import { Context, Platform } from "../context";
import { SERVICE_NAMES, ServiceName } from "../services";

/**
 * Every managed identity of an app of src/services.ts (DESIGN.md §2) is made here, named
 * `id-engram-<env>-<service>`. (The WAF gateway's identity is its component's child,
 * components/app-gateway-waf.ts: moving it would change its URN.)
 */

export type ServiceIdentities = Record<ServiceName, ServiceIdentity>;

const identityOf = (ctx: Context, platform: Platform, service: string): ServiceIdentity =>
  new ServiceIdentity(`id-${service}`, {
    service,
    identityName: ctx.name("userAssignedIdentity", service),
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
  });

/** One user-assigned managed identity per service with `identity: "own"`. */
export function buildServiceIdentities(ctx: Context, platform: Platform): ServiceIdentities {
  const out = {} as ServiceIdentities;
  for (const service of SERVICE_NAMES) out[service] = identityOf(ctx, platform, service);
  return out;
}

/**
 * The Temporal UI's identity (`identity: "when-needed"`): it reads no service secret and gets one
 * only to pull from the registry or, with mTLS, to read its own client certificate. The runtime
 * calls this where it always registered it: called with the service identities, the identity would
 * be the same resource (same name, no parent) but come earlier in every plan.
 */
export function buildTemporalUiIdentity(ctx: Context, platform: Platform): ServiceIdentity | undefined {
  const cfg = ctx.cfg;
  if (cfg.registry?.acrId === undefined && !cfg.decisions.temporalMtls.value) return undefined;
  return identityOf(ctx, platform, "temporal-ui");
}
