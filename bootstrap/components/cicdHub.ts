import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as network from "@pulumi/azure-native/network";
import * as resources from "@pulumi/azure-native/resources";
import { BOOTSTRAP_ROLES } from "../../lib/roles";
import { grant } from "../src/grant";
import {
  CICD_HUB_NAMES,
  GITHUB_NETWORK_SETTINGS,
  HUB_PEERING_ACTIONS,
  hubPeeringRoleGuid,
} from "../src/cicdHub";
import { RUNNER_NSG_RULES } from "../src/githubRunnerNsg";
import { Environment } from "../src/names";

/** One environment that peers with the hub: its deployer identities' principal ids. */
export interface HubPeer {
  environment: Environment;
  /** The apply identity: gets the hub peering role on the hub VNet. */
  applyPrincipalId: pulumi.Input<string>;
  /** The plan identity: gets Reader on the hub VNet, so previews and drift checks read the peering. */
  planPrincipalId: pulumi.Input<string>;
}

export interface CicdHubArgs {
  subscriptionId: string;
  location: string;
  nameSuffix: string;
  /** The hub VNet's address space; the runner subnet takes all of it. */
  addressSpace: string;
  /** The GitHub organization's databaseId (the network settings' `businessId`). */
  githubDatabaseId: string;
  /** Environments whose deployers may peer with the hub and link their private DNS zone to it. */
  peers: readonly HubPeer[];
  tags: Readonly<Record<string, string>>;
}

/**
 * The CI/CD hub (DESIGN.md §11 Delivery): GitHub-hosted runners with Azure private networking run
 * in its one subnet, delegated to `GitHub.Network/networkSettings`, behind an NSG (GitHub's rules,
 * HTTPS only, nothing inbound) and a NAT gateway (one static egress address: new subnets have no
 * default outbound access). The network settings resource's `GitHubId` tag is what the
 * organization's hosted compute network configuration takes. An environment's apply identity may
 * only peer with the hub VNet and link its private DNS zone to it (a custom role on the VNet alone).
 */
export class CicdHub extends pulumi.ComponentResource {
  public readonly resourceGroup: resources.ResourceGroup;
  public readonly vnet: network.VirtualNetwork;
  public readonly subnet: network.Subnet;
  public readonly networkSettings: resources.Resource;
  public readonly peeringRole: authorization.RoleDefinition;
  /** The network settings' `GitHubId` tag, set by GitHub when the resource is created. */
  public readonly githubNetworkSettingsId: pulumi.Output<string | undefined>;

  constructor(name: string, args: CicdHubArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:bootstrap:CicdHub", name, {}, opts);
    const n = CICD_HUB_NAMES;
    const parent = { parent: this };
    const common = { location: args.location, tags: args.tags };

    // Protected like the environment groups: the runners of the prod deploy live here.
    this.resourceGroup = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: n.resourceGroup, ...common },
      { parent: this, protect: true },
    );
    const rg = this.resourceGroup.name;

    const { nsg, nat } = egressControls(this, name, rg, common);
    this.vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        virtualNetworkName: n.vnet,
        resourceGroupName: rg,
        addressSpace: { addressPrefixes: [args.addressSpace] },
        enableDdosProtection: false,
        ...common,
      },
      // Subnets are their own resources: an inline list would fight the Subnet below.
      { parent: this, ignoreChanges: ["subnets"] },
    );
    this.subnet = new network.Subnet(
      `${name}-runners`,
      {
        subnetName: n.subnet,
        virtualNetworkName: this.vnet.name,
        resourceGroupName: rg,
        addressPrefix: args.addressSpace,
        delegations: [{ name: "github-network-settings", serviceName: GITHUB_NETWORK_SETTINGS.delegation }],
        networkSecurityGroup: { id: nsg.id },
        natGateway: { id: nat.id },
        defaultOutboundAccess: false,
      },
      parent,
    );

    this.networkSettings = new resources.Resource(
      `${name}-github`,
      {
        resourceProviderNamespace: GITHUB_NETWORK_SETTINGS.namespace,
        resourceType: GITHUB_NETWORK_SETTINGS.type,
        parentResourcePath: "",
        apiVersion: GITHUB_NETWORK_SETTINGS.apiVersion,
        resourceName: n.networkSettings,
        resourceGroupName: rg,
        properties: { businessId: args.githubDatabaseId, subnetId: this.subnet.id },
        ...common,
      },
      // GitHub adds its `GitHubId` tag to the resource; ours must not remove it on the next update.
      { parent: this, ignoreChanges: ["tags"] },
    );
    this.githubNetworkSettingsId = this.networkSettings.tags.apply((t) => t?.GitHubId);

    const roleGuid = hubPeeringRoleGuid(args.subscriptionId);
    this.peeringRole = new authorization.RoleDefinition(
      `${name}-peering-role`,
      {
        roleDefinitionId: roleGuid,
        scope: `/subscriptions/${args.subscriptionId}`,
        roleName: `Engram CI/CD hub peering (${args.nameSuffix})`,
        description: `Peer with ${n.vnet} and link a private DNS zone to it (engram apply identities).`,
        roleType: "CustomRole",
        permissions: [
          { actions: [...HUB_PEERING_ACTIONS], notActions: [], dataActions: [], notDataActions: [] },
        ],
        assignableScopes: [this.vnet.id],
      },
      parent,
    );

    grantPeers(this, name, args, roleGuid);

    this.registerOutputs({
      vnetId: this.vnet.id,
      runnerSubnetId: this.subnet.id,
      githubNetworkSettingsId: this.githubNetworkSettingsId,
    });
  }
}

/** Each peered environment: the peering role for its apply identity, Reader for its plan identity. */
function grantPeers(self: CicdHub, name: string, args: CicdHubArgs, roleGuid: string): void {
  for (const peer of args.peers) {
    const env = peer.environment;
    grant(
      `${name}-${env}-apply-peering`,
      {
        subscriptionId: args.subscriptionId,
        scope: self.vnet.id,
        principalId: peer.applyPrincipalId,
        roleDefinitionGuid: roleGuid,
        description: `engram ${env} apply: peer with the CI/CD hub and link its private DNS zone to it`,
      },
      { parent: self, dependsOn: [self.peeringRole] },
    );
    grant(
      `${name}-${env}-plan-reader`,
      {
        subscriptionId: args.subscriptionId,
        scope: self.vnet.id,
        principalId: peer.planPrincipalId,
        roleDefinitionGuid: BOOTSTRAP_ROLES.Reader,
        description: `engram ${env} plan: read the CI/CD hub VNet and its peerings for previews and drift checks`,
      },
      { parent: self },
    );
  }
}

/** The runner subnet's NSG (src/githubRunnerNsg.ts) and its NAT gateway with one static address. */
function egressControls(
  self: CicdHub,
  name: string,
  rg: pulumi.Input<string>,
  common: { location: string; tags: Readonly<Record<string, string>> },
): { nsg: network.NetworkSecurityGroup; nat: network.NatGateway } {
  const n = CICD_HUB_NAMES;
  const nsg = new network.NetworkSecurityGroup(
    `${name}-nsg`,
    {
      networkSecurityGroupName: n.nsg,
      resourceGroupName: rg,
      securityRules: RUNNER_NSG_RULES.map(({ destinationAddressPrefixes, ...rule }) => ({
        ...rule,
        ...(destinationAddressPrefixes
          ? { destinationAddressPrefixes: [...destinationAddressPrefixes] }
          : {}),
      })),
      ...common,
    },
    { parent: self },
  );
  const ip = new network.PublicIPAddress(
    `${name}-nat-pip`,
    {
      publicIpAddressName: n.publicIp,
      resourceGroupName: rg,
      sku: { name: "Standard", tier: "Regional" },
      publicIPAllocationMethod: "Static",
      publicIPAddressVersion: "IPv4",
      ...common,
    },
    { parent: self },
  );
  const nat = new network.NatGateway(
    `${name}-nat`,
    {
      natGatewayName: n.natGateway,
      resourceGroupName: rg,
      sku: { name: "Standard" },
      publicIpAddresses: [{ id: ip.id }],
      idleTimeoutInMinutes: 4,
      ...common,
    },
    { parent: self },
  );
  return { nsg, nat };
}
