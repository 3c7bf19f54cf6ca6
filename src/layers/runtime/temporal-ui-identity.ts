import * as pulumi from "@pulumi/pulumi";
import { grant } from "../../../components/role-assignment";
import { ServiceIdentity } from "../../../components/service-identity";
import { Context, Platform } from "../../context";

/**
 * The temporal-ui reads no service secret; it gets an identity to pull from the registry and,
 * with mTLS, to read its own client certificate. None when it needs neither.
 */
export function buildTemporalUiIdentity(
  ctx: Context,
  platform: Platform,
): { identity?: ServiceIdentity; acrPull?: pulumi.Resource } {
  const cfg = ctx.cfg;
  const acrId = cfg.registry?.acrId;
  if (acrId === undefined && !cfg.decisions.temporalMtls.value) return {};
  const identity = new ServiceIdentity("id-temporal-ui", {
    service: "temporal-ui",
    identityName: ctx.name("userAssignedIdentity", "temporal-ui"),
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
  });
  const acrPull = acrId
    ? grant(
        {
          principal: identity.principal,
          role: "AcrPull",
          scope: { id: acrId, label: "acr" },
          subscriptionId: platform.subscriptionId,
          environment: cfg.environment,
        },
        { parent: identity, protect: false },
      )
    : undefined;
  return { identity, acrPull };
}
