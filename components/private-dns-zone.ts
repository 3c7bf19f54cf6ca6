import * as pulumi from "@pulumi/pulumi";
import * as privatedns from "@pulumi/azure-native/privatedns";

export interface PrivateDnsZoneArgs {
  /** The zone's DNS name, e.g. `engram-prod.privatelink.westeurope.azmk8s.io`. */
  zoneName: string;
  resourceGroupName: pulumi.Input<string>;
  /**
   * The VNets that resolve names in the zone, keyed by a stable label (`vnet`, `cicd-hub`), each
   * with the Azure name of its link. Adding one never renames another.
   */
  links: Record<string, { vnetId: pulumi.Input<string>; linkName: string }>;
  tags: Record<string, string>;
}

/**
 * A private DNS zone the program owns, linked to the VNets that resolve it. Nothing registers VM
 * records in it (`registrationEnabled: false`): what writes records is the service the zone is
 * for (the AKS control plane writes its API server's A record, with Private DNS Zone Contributor).
 */
export class PrivateDnsZone extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  readonly linkIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: PrivateDnsZoneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:network:PrivateDnsZone", name, {}, opts);
    const zone = new privatedns.PrivateZone(
      `${name}-zone`,
      {
        privateZoneName: args.zoneName,
        resourceGroupName: args.resourceGroupName,
        location: "global",
        tags: args.tags,
      },
      { parent: this },
    );
    this.linkIds = {};
    for (const label of Object.keys(args.links).sort()) {
      const link = args.links[label];
      this.linkIds[label] = new privatedns.VirtualNetworkLink(
        `${name}-${label}-link`,
        {
          virtualNetworkLinkName: link.linkName,
          privateZoneName: zone.name,
          resourceGroupName: args.resourceGroupName,
          location: "global",
          virtualNetwork: { id: link.vnetId },
          registrationEnabled: false,
          tags: args.tags,
        },
        { parent: this },
      ).id;
    }
    this.id = zone.id;
    this.name = zone.name;
    this.registerOutputs({ id: this.id, name: this.name, linkIds: this.linkIds });
  }
}
