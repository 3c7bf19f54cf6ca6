import * as pulumi from "@pulumi/pulumi";
import { ServiceIdentity } from "../../components/service-identity";
import { Context, Platform } from "../context";
import { SERVICE_NAMES, ServiceName } from "../services";

/**
 * Every managed identity of the environment is made here (issue 15: one layer): one per service of
 * src/services.ts (DESIGN.md §2), named `id-engram-<env>-<service>`, and the platform's own where
 * the matrix needs them: the Temporal UI's, the WAF gateway's and the AKS cluster's two.
 */

export type ServiceIdentities = Record<ServiceName, ServiceIdentity>;

/** The identities that are not a service's: each exists only where the matrix needs it. */
export interface PlatformIdentities {
  /** The Temporal UI: to pull from the registry, or with mTLS to read its own client certificate. */
  "temporal-ui"?: ServiceIdentity;
  /** The WAF gateway: reads its TLS certificate from Key Vault (with the WAF). */
  appgw?: ServiceIdentity;
  /** The AKS control plane and the kubelet (runtime aks). */
  "aks-control-plane"?: ServiceIdentity;
  "aks-kubelet"?: ServiceIdentity;
}

const identityOf = (
  ctx: Context,
  platform: Platform,
  service: string,
  logicalName = `id-${service}`,
  opts?: pulumi.ComponentResourceOptions,
): ServiceIdentity =>
  new ServiceIdentity(
    logicalName,
    {
      service,
      identityName: ctx.name("userAssignedIdentity", service),
      resourceGroupName: platform.resourceGroupName,
      location: platform.location,
      tags: ctx.tags,
    },
    opts,
  );

/** One user-assigned managed identity per service with `identity: "own"`. */
export function buildServiceIdentities(ctx: Context, platform: Platform): ServiceIdentities {
  const out = {} as ServiceIdentities;
  for (const service of SERVICE_NAMES) out[service] = identityOf(ctx, platform, service);
  return out;
}

/**
 * The platform's identities the matrix calls for. The gateway's keeps the logical name it had as
 * the gateway component's child (`waf-id`), with an alias from there, so moving it here is no
 * replacement on a deployed stack.
 */
export function buildPlatformIdentities(ctx: Context, platform: Platform): PlatformIdentities {
  const cfg = ctx.cfg;
  const out: PlatformIdentities = {};
  // The UI reads no service secret: it needs an identity only to pull or for its mTLS certificate.
  if (cfg.registry?.acrId !== undefined || cfg.decisions.temporalMtls.value)
    out["temporal-ui"] = identityOf(ctx, platform, "temporal-ui");
  if (cfg.decisions.waf.value)
    out.appgw = identityOf(ctx, platform, "appgw", "waf-id", {
      aliases: [{ parent: pulumi.createUrn("waf", "engram:runtime:AppGatewayWaf") }],
    });
  if (cfg.decisions.runtime.value === "aks") {
    out["aks-control-plane"] = identityOf(ctx, platform, "aks-control-plane");
    out["aks-kubelet"] = identityOf(ctx, platform, "aks-kubelet");
  }
  return out;
}
