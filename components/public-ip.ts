import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";

/** The three availability zones of the region: a zone-redundant resource names all of them. */
export const ZONE_REDUNDANT: readonly string[] = ["1", "2", "3"];

export interface StandardPublicIpArgs {
  publicIpAddressName: pulumi.Input<string>;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  tags: Record<string, string>;
  /**
   * `ZONE_REDUNDANT` (the matrix row `availability`): the address survives the loss of a zone, and
   * it may front a zone-redundant gateway or a zonal NAT gateway in any zone. None: a no-zone
   * address (Azure picks the placement). @default none
   */
  zones?: readonly string[];
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
      ...(args.zones ? { zones: [...args.zones] } : {}),
      tags: args.tags,
    },
    opts,
  );
}
