import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";

export interface StandardPublicIpArgs {
  publicIpAddressName: pulumi.Input<string>;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  tags: Record<string, string>;
  /** Zones of a zonal front end (the WAF); none for a no-zone address (NAT gateway egress). */
  zones?: string[];
  idleTimeoutInMinutes?: number;
}

/**
 * The one way this program makes a public IP: Standard SKU, static IPv4, and infrastructure DDoS
 * protection inherited from the VNet (a DDoS plan applies when there is one), all set explicitly.
 */
export function standardPublicIp(
  name: string,
  args: StandardPublicIpArgs,
  opts: pulumi.CustomResourceOptions,
): network.PublicIPAddress {
  return new network.PublicIPAddress(
    name,
    {
      publicIpAddressName: args.publicIpAddressName,
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      sku: { name: "Standard", tier: "Regional" },
      publicIPAllocationMethod: "Static",
      publicIPAddressVersion: "IPv4",
      ddosSettings: { protectionMode: "VirtualNetworkInherited" },
      ...(args.idleTimeoutInMinutes !== undefined ? { idleTimeoutInMinutes: args.idleTimeoutInMinutes } : {}),
      ...(args.zones ? { zones: args.zones } : {}),
      tags: args.tags,
    },
    opts,
  );
}
