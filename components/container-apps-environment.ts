import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import * as privatedns from "@pulumi/azure-native/privatedns";

export interface ContainerAppsEnvironmentArgs {
  /** The Azure name, from the naming helper (`cae-engram-<env>`). */
  environmentName: string;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  tags: Record<string, string>;
  /** The `aca` subnet (/23, delegated to Microsoft.App/environments). */
  infrastructureSubnetId: pulumi.Input<string>;
  /**
   * No public IP: apps are reachable only from the VNet (an app with `external` ingress is then
   * VNet-wide, not public). Required whenever a WAF is the public entry.
   * @default true
   */
  internal?: boolean;
  /**
   * Peer-traffic encryption: mTLS between the apps of the environment (matrix: on in uat, staging, prod).
   * @default true
   */
  peerEncryption?: boolean;
  /**
   * The VNet the environment lives in. An internal environment has no public DNS: a private zone
   * named after its default domain, with a wildcard record to its static IP, is linked to this
   * VNet so the App Gateway (and anything else in the VNet) resolves `<app>.<defaultDomain>`.
   * Required when `internal`.
   */
  vnetId?: pulumi.Input<string>;
  /**
   * Spread the environment's infrastructure and app replicas over availability zones (the matrix
   * row `availability`). Azure's requirements: a VNet-injected environment (`infrastructureSubnetId`;
   * our /23 is above the /27 minimum of a workload-profiles environment), a region with zones, and
   * the choice made at creation (changing it replaces the environment). It costs nothing extra, but
   * only an app with two or more replicas keeps running through the loss of a zone.
   * @default false
   */
  zoneRedundant?: boolean;
}

/** The workload profile every app runs on. */
export const CONSUMPTION_PROFILE = "Consumption";

/**
 * The Container Apps environment of one Engram environment (DESIGN.md §2, §6).
 *
 * Logs go to Azure Monitor (`appLogsConfiguration.destination: "azure-monitor"`), and the
 * observability layer's diagnostic setting on this resource routes them to the workspace. Nothing
 * here holds the workspace's shared key, so the workspace can disable local auth in higher
 * environments (DESIGN.md §8).
 */
export class ContainerAppsEnvironment extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  /** `<generated>.<region>.azurecontainerapps.io`: app FQDNs are `<app>.<defaultDomain>`. */
  readonly defaultDomain: pulumi.Output<string>;
  /** The environment's ingress IP (private when internal). */
  readonly staticIp: pulumi.Output<string>;
  readonly internal: boolean;

  constructor(name: string, args: ContainerAppsEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:runtime:ContainerAppsEnvironment", name, {}, opts);
    this.internal = args.internal ?? true;
    const env = new app.ManagedEnvironment(
      `${name}-env`,
      {
        environmentName: args.environmentName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        vnetConfiguration: { infrastructureSubnetId: args.infrastructureSubnetId, internal: this.internal },
        // An internal environment has no public endpoint; said explicitly for Azure Policy.
        publicNetworkAccess: this.internal ? "Disabled" : "Enabled",
        appLogsConfiguration: { destination: "azure-monitor" },
        peerTrafficConfiguration: { encryption: { enabled: args.peerEncryption ?? true } },
        workloadProfiles: [{ name: CONSUMPTION_PROFILE, workloadProfileType: CONSUMPTION_PROFILE }],
        zoneRedundant: args.zoneRedundant ?? false,
        tags: args.tags,
      },
      { parent: this },
    );
    if (this.internal) {
      if (args.vnetId === undefined)
        throw new Error(`${name}: an internal environment needs vnetId for its private DNS zone`);
      const zone = new privatedns.PrivateZone(
        `${name}-dns`,
        {
          privateZoneName: env.defaultDomain,
          resourceGroupName: args.resourceGroupName,
          location: "global",
          tags: args.tags,
        },
        { parent: this },
      );
      new privatedns.PrivateRecordSet(
        `${name}-dns-wildcard`,
        {
          privateZoneName: zone.name,
          resourceGroupName: args.resourceGroupName,
          recordType: "A",
          relativeRecordSetName: "*",
          ttl: 300,
          aRecords: [{ ipv4Address: env.staticIp }],
        },
        { parent: this },
      );
      new privatedns.VirtualNetworkLink(
        `${name}-dns-link`,
        {
          privateZoneName: zone.name,
          resourceGroupName: args.resourceGroupName,
          virtualNetworkLinkName: `${args.environmentName}-vnet`,
          virtualNetwork: { id: args.vnetId },
          registrationEnabled: false,
          location: "global",
          tags: args.tags,
        },
        { parent: this },
      );
    }
    this.id = env.id;
    this.name = env.name;
    this.defaultDomain = env.defaultDomain;
    this.staticIp = env.staticIp;
    this.registerOutputs({
      id: this.id,
      name: this.name,
      defaultDomain: this.defaultDomain,
      staticIp: this.staticIp,
    });
  }
}
