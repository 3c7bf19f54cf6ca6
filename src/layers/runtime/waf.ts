import { AppGatewayWaf } from "../../../components/app-gateway-waf";
import { WafBackend } from "../../../components/app-gateway-waf";
import { accessOn } from "../../access";
import { Context, Platform } from "../../context";
import { DataLayer } from "../data";
import { PlatformIdentities } from "../identities";
import { NetworkLayer } from "../network";

/** The public TLS certificate of the App Gateway: a Key Vault certificate the platform team imports. */
export const APPGW_CERT_SECRET = "appgw-tls";

/**
 * The WAF in front of the API (DESIGN.md §1, §6, §11): the backend as its only pool, the
 * Container App's FQDN on ACA or the internal load balancer's private IP on AKS.
 */
export function buildWafFront(
  ctx: Context,
  platform: Platform,
  deps: { network: NetworkLayer; data: DataLayer; platformIdentities: PlatformIdentities },
  backend: WafBackend,
): AppGatewayWaf {
  const identity = deps.platformIdentities.appgw;
  if (!identity) throw new Error("the WAF is on but the identities layer made no gateway identity");
  const cfg = ctx.cfg;
  const subnet = deps.network.subnets.appgw;
  if (!subnet) throw new Error("the WAF is on but the network layer has no appgw subnet");
  // The gateway's row of src/access.ts on its certificate (the component makes it, as its child).
  const certRows = accessOn("appgw-cert").filter((g) => g.who === "appgw");
  if (certRows.length !== 1)
    throw new Error(
      `src/access.ts: the appgw-cert scope takes exactly one appgw row (found ${certRows.length})`,
    );
  return new AppGatewayWaf("waf", {
    gatewayName: ctx.name("applicationGateway"),
    policyName: ctx.name("wafPolicy"),
    publicIpName: ctx.name("publicIp", "agw"),
    identity,
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    subscriptionId: platform.subscriptionId,
    environment: cfg.environment,
    tags: { ...ctx.tags, service: "waf" },
    subnetId: subnet.id,
    backend,
    certificateSecretId: deps.data.secretUrl(APPGW_CERT_SECRET),
    certificateSecretResourceId: deps.data.secretId(APPGW_CERT_SECRET),
    certificateReaderRole: certRows[0].role,
    zoneRedundant: cfg.decisions.availability.value,
    capacity: cfg.fixed.wafCapacity,
  });
}
