import * as pulumi from "@pulumi/pulumi";
import { ServiceIdentity } from "../../../components/service-identity";
import { Context, Platform } from "../../context";
import { applyAccess } from "../grants";

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
  // Its rows of src/access.ts on the registry (AcrPull).
  const acrPull = acrId
    ? applyAccess(
        ctx,
        platform,
        "acr",
        { id: acrId, label: "acr" },
        { identities: { "temporal-ui": identity }, groups: {} },
        () => ({ parent: identity, protect: false }),
      )["temporal-ui"]?.[0]
    : undefined;
  return { identity, acrPull };
}
