import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";

export interface VnetPeeringArgs {
  /** This environment's VNet. */
  local: {
    resourceGroupName: pulumi.Input<string>;
    vnetName: pulumi.Input<string>;
    vnetId: pulumi.Input<string>;
  };
  /** The other VNet, by ARM id (in the same subscription: the deployment's provider writes both sides). */
  remoteVnetId: string;
  /** Azure names of the two peerings: on the local VNet, and on the remote one. */
  names: { local: string; remote: string };
}

/** Resource group and name of a VNet from its ARM id. */
export function vnetOf(id: string): { resourceGroupName: string; vnetName: string } {
  const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i.exec(id);
  if (!m) throw new Error(`"${id}" is not the resource id of a virtual network`);
  return { resourceGroupName: m[1], vnetName: m[2] };
}

/**
 * A VNet peering in both directions (a peering is connected only when both sides exist). Plain
 * VNet access only: no forwarded traffic, no gateway transit, no remote gateways, so neither VNet
 * becomes a path to anything beyond the other. What may cross is the NSGs' business.
 */
export class VnetPeering extends pulumi.ComponentResource {
  readonly localId: pulumi.Output<string>;
  readonly remoteId: pulumi.Output<string>;

  constructor(name: string, args: VnetPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:network:VnetPeering", name, {}, opts);
    const remote = vnetOf(args.remoteVnetId);
    const common = {
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: false,
      allowGatewayTransit: false,
      useRemoteGateways: false,
    };
    const local = new network.VirtualNetworkPeering(
      `${name}-local`,
      {
        virtualNetworkPeeringName: args.names.local,
        resourceGroupName: args.local.resourceGroupName,
        virtualNetworkName: args.local.vnetName,
        remoteVirtualNetwork: { id: args.remoteVnetId },
        ...common,
      },
      { parent: this },
    );
    const back = new network.VirtualNetworkPeering(
      `${name}-remote`,
      {
        virtualNetworkPeeringName: args.names.remote,
        resourceGroupName: remote.resourceGroupName,
        virtualNetworkName: remote.vnetName,
        remoteVirtualNetwork: { id: args.local.vnetId },
        ...common,
      },
      { parent: this, dependsOn: [local] },
    );
    this.localId = local.id;
    this.remoteId = back.id;
    this.registerOutputs({ localId: this.localId, remoteId: this.remoteId });
  }
}
