import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";

/** The private DNS zone of each private-link sub-resource (group id) this program uses. */
export const PRIVATE_DNS_ZONES = {
  vault: "privatelink.vaultcore.azure.net",
  blob: "privatelink.blob.core.windows.net",
  postgresqlServer: "privatelink.postgres.database.azure.com",
} as const;
export type PrivateLinkGroup = keyof typeof PRIVATE_DNS_ZONES;

export interface PrivateEndpointSpec {
  /** The Azure name of the endpoint (`pe-engram-<env>-<key>`). */
  endpointName: string;
  /** The resource the endpoint connects to. */
  targetId: pulumi.Input<string>;
  groupId: PrivateLinkGroup;
}

export interface PrivateEndpointsArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** The subnet the endpoints' network interfaces live in. */
  subnetId: pulumi.Input<string>;
  /** The VNet the private DNS zones are linked to. */
  vnetId: pulumi.Input<string>;
  /** The endpoints, keyed by a stable label (`vault`, `blob`, `postgres-app`...). */
  endpoints: Record<string, PrivateEndpointSpec>;
  /** Azure name of a zone's VNet link, per group id. */
  linkName(groupId: PrivateLinkGroup): string;
  tags: Record<string, string>;
}

export interface EndpointOutputs {
  id: pulumi.Output<string>;
  groupId: PrivateLinkGroup;
  zoneGroupId: pulumi.Output<string>;
}

/**
 * Private endpoints with their DNS (DESIGN.md §6): one private DNS zone per group id, linked to
 * the VNet and shared by every endpoint of that kind (both Postgres servers use one zone); each
 * endpoint registers its A record through a DNS zone group, so the service's public name resolves
 * to the private address inside the VNet.
 */
export class PrivateEndpoints extends pulumi.ComponentResource {
  readonly endpoints: Record<string, EndpointOutputs>;
  readonly zoneIds: Partial<Record<PrivateLinkGroup, pulumi.Output<string>>>;

  constructor(name: string, args: PrivateEndpointsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:network:PrivateEndpoints", name, {}, opts);
    this.zoneIds = {};
    const groups = [...new Set(Object.values(args.endpoints).map((e) => e.groupId))].sort();
    const zones: Partial<Record<PrivateLinkGroup, privatedns.PrivateZone>> = {};
    for (const groupId of groups) {
      const zone = new privatedns.PrivateZone(
        `${name}-${groupId}-zone`,
        {
          privateZoneName: PRIVATE_DNS_ZONES[groupId],
          resourceGroupName: args.resourceGroupName,
          location: "global",
          tags: args.tags,
        },
        { parent: this },
      );
      new privatedns.VirtualNetworkLink(
        `${name}-${groupId}-link`,
        {
          virtualNetworkLinkName: args.linkName(groupId),
          privateZoneName: zone.name,
          resourceGroupName: args.resourceGroupName,
          location: "global",
          virtualNetwork: { id: args.vnetId },
          // The zone only resolves private-link names; nothing registers VM records in it.
          registrationEnabled: false,
          tags: args.tags,
        },
        { parent: this },
      );
      zones[groupId] = zone;
      this.zoneIds[groupId] = zone.id;
    }

    this.endpoints = {};
    for (const key of Object.keys(args.endpoints).sort()) {
      const spec = args.endpoints[key];
      const zone = zones[spec.groupId] as privatedns.PrivateZone;
      const endpoint = new network.PrivateEndpoint(
        `${name}-${key}-pe`,
        {
          privateEndpointName: spec.endpointName,
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          subnet: { id: args.subnetId },
          privateLinkServiceConnections: [
            { name: spec.endpointName, privateLinkServiceId: spec.targetId, groupIds: [spec.groupId] },
          ],
          tags: args.tags,
        },
        { parent: this },
      );
      const zoneGroup = new network.PrivateDnsZoneGroup(
        `${name}-${key}-dns`,
        {
          privateDnsZoneGroupName: "default",
          privateEndpointName: endpoint.name,
          resourceGroupName: args.resourceGroupName,
          privateDnsZoneConfigs: [{ name: spec.groupId, privateDnsZoneId: zone.id }],
        },
        { parent: this },
      );
      this.endpoints[key] = { id: endpoint.id, groupId: spec.groupId, zoneGroupId: zoneGroup.id };
    }

    this.registerOutputs({
      endpointIds: Object.fromEntries(Object.entries(this.endpoints).map(([k, e]) => [k, e.id])),
      zoneIds: this.zoneIds,
    });
  }
}
