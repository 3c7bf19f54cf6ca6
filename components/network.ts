import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { standardPublicIp, ZONE_REDUNDANT } from "./public-ip";
import { carveSubnets } from "../lib/cidr";
import { AksNetworkArgs, SubnetKey, subnetRules } from "./network-rules";

export type { SubnetKey } from "./network-rules";

export interface NetworkArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** The VNet address space (validated at config time; carving refuses anything it cannot hold). */
  addressSpace: string;
  vnetName: string;
  /** Azure names of the subnets and their NSGs. */
  names: Record<SubnetKey, { subnet: string; nsg: string }>;
  /** Create the appgw subnet (when the WAF is on). @default false */
  appGateway?: boolean;
  /**
   * Runtime aks: the `aks` node subnet (not delegated) takes the aca slot, with the rules the
   * cluster needs. Absent: runtime aca, the delegated aca subnet. @default none
   */
  aks?: AksNetworkArgs;
  /**
   * The Container Apps environment takes public ingress on 443 (no WAF in front). When false the
   * aca subnet takes nothing from the Internet. @default false
   */
  acaPublicIngress?: boolean;
  /**
   * Service endpoints on the aca subnet, so Key Vault and Storage firewalls can admit it while
   * they are public-with-ACL (dev/test). Not needed behind private endpoints. @default []
   */
  acaServiceEndpoints?: string[];
  /**
   * An organisation's DDoS Network Protection plan (`engram:ddosProtectionPlanId`). When given the
   * VNet is linked to it; when not, DDoS protection is stated off and Azure's infrastructure-level
   * protection alone applies (a documented departure). @default undefined
   */
  ddosProtectionPlanId?: string;
  /**
   * Azure names of the NAT gateway and its public IP (the environment's one egress address), and
   * the zone of the NAT gateway when the matrix row `availability` is on (its IP is then
   * zone-redundant). @default zone: none (no-zone gateway and address)
   */
  egress: { natGatewayName: string; publicIpName: string; zone?: string };
  tags: Record<string, string>;
}

export interface SubnetOutputs {
  id: pulumi.Output<string>;
  name: string;
  addressPrefix: string;
  nsgId: pulumi.Output<string>;
}

/**
 * One VNet per environment with its subnets carved from the address space (lib/cidr.ts) and
 * an NSG on every subnet that denies all inbound traffic except what that subnet needs:
 * - aca (/23, delegated to Microsoft.App/environments): VNet-internal traffic and the Azure load
 *   balancer; 443 from the Internet only when the API is published by ACA itself (no WAF);
 * - aks (/23 in the aca slot, runtime aks; not delegated): the backend's internal load balancer
 *   port from the appgw subnet, node-to-node and overlay pod traffic, the Azure load balancer, and
 *   443 from the CI/CD hub to the private API server's endpoint; nothing from the Internet;
 * - private-endpoints (/24): 443 (Key Vault, Blob) and 5432 (Postgres) from the runtime's subnet only;
 *   NSG enforcement on private endpoints is switched on (`privateEndpointNetworkPolicies`);
 * - appgw (/24, with the WAF): GatewayManager 65200-65535 and AzureLoadBalancer (required by
 *   Application Gateway v2), 443 from the Internet, and 80 for the listener that only redirects
 *   to HTTPS.
 * Egress: every subnet is private (`defaultOutboundAccess: false`; Azure retires default outbound
 * access for new VNets). The aca (or aks) subnet's traffic leaves through a NAT gateway with one static
 * Standard public IP: the environment's single, known egress address, for third-party allowlists
 * and for the Postgres firewall where Postgres is not private (dev/test). The private-endpoints
 * subnet needs no egress at all; the Application Gateway leaves from its own public frontend IP.
 * Outbound NSG rules keep Azure's defaults: the Container Apps platform and Application Gateway v2
 * need their outbound dependencies. The VNet is linked to a DDoS Network Protection plan when one
 * is configured.
 */
export class Network extends pulumi.ComponentResource {
  readonly vnetId: pulumi.Output<string>;
  readonly vnetName: pulumi.Output<string>;
  readonly subnets: Partial<Record<SubnetKey, SubnetOutputs>>;
  /** The static public IP all outbound traffic of the apps leaves from. */
  readonly egressIp: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:network:Network", name, {}, opts);
    const carved = carveSubnets(args.addressSpace);
    const prefixes: Record<SubnetKey, string> = { ...carved, aks: carved.aca };
    // The subnet the workloads run in.
    const runtimeKey: SubnetKey = args.aks ? "aks" : "aca";

    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        virtualNetworkName: args.vnetName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        addressSpace: { addressPrefixes: [args.addressSpace] },
        // Stated either way: a Deny policy sees only the request, never the service default.
        ...(args.ddosProtectionPlanId
          ? { enableDdosProtection: true, ddosProtectionPlan: { id: args.ddosProtectionPlanId } }
          : { enableDdosProtection: false }),
        tags: args.tags,
      },
      { parent: this },
    );

    const rules = subnetRules(args, prefixes);

    const { egressIp, nat } = this.egress(name, args);

    const wanted: SubnetKey[] = [
      runtimeKey,
      "privateEndpoints",
      ...(args.appGateway ? (["appgw"] as const) : []),
    ];
    this.subnets = {};
    // Subnets of one VNet are created one after another: ARM refuses concurrent subnet writes.
    let previous: pulumi.Resource | undefined;
    for (const key of wanted) {
      const nsg = new network.NetworkSecurityGroup(
        `${name}-${key}-nsg`,
        {
          networkSecurityGroupName: args.names[key].nsg,
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          securityRules: rules[key],
          tags: args.tags,
        },
        { parent: this },
      );
      const subnet = new network.Subnet(
        `${name}-${key}-snet`,
        {
          subnetName: args.names[key].subnet,
          virtualNetworkName: vnet.name,
          resourceGroupName: args.resourceGroupName,
          addressPrefix: prefixes[key],
          networkSecurityGroup: { id: nsg.id },
          ...subnetSettings(key, args, nat.id),
        },
        { parent: this, dependsOn: previous ? [previous] : [] },
      );
      previous = subnet;
      this.subnets[key] = {
        id: subnet.id,
        name: args.names[key].subnet,
        addressPrefix: prefixes[key],
        nsgId: nsg.id,
      };
    }

    this.vnetId = vnet.id;
    this.vnetName = vnet.name;
    this.egressIp = egressIp.ipAddress.apply((ip) => ip ?? "");
    this.registerOutputs({
      egressIp: this.egressIp,
      vnetId: this.vnetId,
      vnetName: this.vnetName,
      subnetIds: Object.fromEntries(Object.entries(this.subnets).map(([k, s]) => [k, s.id])),
    });
  }

  /**
   * The NAT gateway and its static public IP: the workloads' only way out.
   *
   * A Standard NAT gateway is a zonal resource, never zone-redundant. With `availability` it is
   * placed in one zone, as Azure's NAT guidance says, and its address is zone-redundant (a zonal
   * gateway takes same-zone or zone-redundant IPs): losing that zone stops egress until a gateway
   * is re-created in another zone, but the allowlisted address itself survives. The zone-redundant
   * StandardV2 gateway would need StandardV2 IPs and fails Azure Policy's "NAT gateway should be
   * Zone Aligned" (one zone). Without it: a no-zone gateway and a no-zone IP; Azure places both.
   * Both are fixed at creation (docs/sop-traceability.md, deviations).
   */
  private egress(
    name: string,
    args: NetworkArgs,
  ): { egressIp: network.PublicIPAddress; nat: network.NatGateway } {
    const egressZone = args.egress.zone;
    const egressIp = standardPublicIp(
      `${name}-egress-pip`,
      {
        publicIpAddressName: args.egress.publicIpName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        ...(egressZone ? { zones: ZONE_REDUNDANT } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    const nat = new network.NatGateway(
      `${name}-egress-nat`,
      {
        natGatewayName: args.egress.natGatewayName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: "Standard" },
        publicIpAddresses: [{ id: egressIp.id }],
        idleTimeoutInMinutes: 4,
        ...(egressZone ? { zones: [egressZone] } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    return { egressIp, nat };
  }
}

/** What one subnet states beyond its prefix and NSG: delegation, NAT egress, endpoint policies. */
function subnetSettings(
  key: SubnetKey,
  args: NetworkArgs,
  natId: pulumi.Input<string>,
): Partial<network.SubnetArgs> {
  return {
    ...(key === "aca"
      ? {
          delegations: [{ name: "aca", serviceName: "Microsoft.App/environments" }],
          serviceEndpoints: (args.acaServiceEndpoints ?? []).map((service) => ({ service })),
          natGateway: { id: natId },
          defaultOutboundAccess: false,
        }
      : {}),
    // The AKS nodes: not delegated, egress only through the NAT gateway (outboundType
    // userAssignedNATGateway). Pods use the overlay (their own CIDR), not this subnet.
    // The API server's private endpoint sits here too: NSG enforcement on it is switched on,
    // so only the nodes and the CI/CD hub reach it.
    ...(key === "aks"
      ? {
          natGateway: { id: natId },
          defaultOutboundAccess: false,
          privateEndpointNetworkPolicies: "Enabled",
        }
      : {}),
    ...(key === "privateEndpoints"
      ? { privateEndpointNetworkPolicies: "Enabled", defaultOutboundAccess: false }
      : {}),
    // Private too, but not behind the NAT gateway: Application Gateway v2 sends its own
    // outbound traffic (Key Vault certificate, backend, control plane) from its public
    // frontend IP, not through the subnet's default outbound access; Azure documents that
    // only a gateway without a public frontend needs a NAT gateway for outbound traffic
    // (learn.microsoft.com/azure/application-gateway/application-gateway-private-deployment,
    // "Outbound Internet connectivity"). See docs/sop-traceability.md, deviations.
    ...(key === "appgw" ? { defaultOutboundAccess: false } : {}),
  };
}
