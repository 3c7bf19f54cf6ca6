import { idOf, inputs, Json, T } from "./helpers/data";
import { planOk } from "./helpers/plan";
import { AKS_CHANGE } from "./helpers/variants";

/**
 * The network of runtime aks (DESIGN.md §6, §11): the aks node subnet in the aca slot, its NSG, the
 * private endpoints admitting the nodes, the API server's private DNS zone linked to the VNet and
 * to the CI/CD hub, and the peering with the hub in both directions.
 */

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";
const HUB =
  "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-engram-cicd/providers/Microsoft.Network/virtualNetworks/vnet-engram-cicd";
const SPACE = { prod: "10.50", staging: "10.40" } as const;
const PEERING = "azure-native:network:VirtualNetworkPeering";

const allow = (name: string, priority: number, source: string, ports: string, protocol = "Tcp") => ({
  name,
  priority,
  direction: "Inbound",
  access: "Allow",
  protocol,
  sourceAddressPrefix: source,
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: ports,
});
const DENY = {
  name: "deny-all-inbound",
  priority: 4096,
  direction: "Inbound",
  access: "Deny",
  protocol: "*",
  sourceAddressPrefix: "*",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "*",
};
/** The rules without their descriptions (those are prose). */
const rulesOf = (nsg: Json) =>
  (inputs(nsg).securityRules as Json[]).map((r) => {
    const { description, ...rest } = r;
    expect(typeof description).toBe("string");
    return rest;
  });

describe.each(["prod", "staging"] as const)("the %s network on AKS", (env) => {
  const net = SPACE[env];

  it("has the aks node subnet in the aca slot instead of the aca subnet: not delegated, private, behind the NAT gateway", async () => {
    const { index } = await planOk(env, AKS_CHANGE[env]);
    const subnets = index.ofType(T.subnet).map((s) => inputs(s));
    expect(subnets.map((s) => s.subnetName)).toEqual([
      `snet-engram-${env}-aks`,
      `snet-engram-${env}-private-endpoints`,
      `snet-engram-${env}-appgw`,
    ]);
    const aks = subnets[0];
    expect(aks).toMatchObject({
      addressPrefix: `${net}.0.0/23`,
      defaultOutboundAccess: false,
      privateEndpointNetworkPolicies: "Enabled",
      natGateway: {
        id: `${SUB}/resourceGroups/rg-engram-${env}/providers/Microsoft.Network/natGateways/ng-engram-${env}`,
      },
    });
    expect(aks).not.toHaveProperty("delegations");
    expect(aks).not.toHaveProperty("serviceEndpoints");
  });

  it("admits to the nodes only the WAF on the backend's port, the cluster itself, probes and the CI/CD hub on 443", async () => {
    const { index } = await planOk(env, AKS_CHANGE[env]);
    expect(rulesOf(index.one(T.nsg, "network-aks-nsg"))).toEqual([
      allow("allow-appgw-backend", 100, `${net}.3.0/24`, "80"),
      allow("allow-vnet-nodes", 110, `${net}.0.0/23`, "*", "*"),
      allow("allow-pods", 120, "192.168.0.0/16", "*", "*"),
      allow("allow-azure-lb", 130, "AzureLoadBalancer", "*", "*"),
      allow("allow-cicd-apiserver", 140, "10.255.0.0/24", "443"),
      DENY,
    ]);
  });

  it("lets the nodes, and nothing else, reach the private endpoints", async () => {
    const { index } = await planOk(env, AKS_CHANGE[env]);
    expect(rulesOf(index.one(T.nsg, "network-privateEndpoints-nsg"))).toEqual([
      allow("allow-aks-https", 100, `${net}.0.0/23`, "443"),
      allow("allow-aks-postgres", 110, `${net}.0.0/23`, "5432"),
      DENY,
    ]);
  });

  it("links the API server's private DNS zone to the VNet and to the CI/CD hub, registering nothing", async () => {
    const { index } = await planOk(env, AKS_CHANGE[env]);
    const zone = `engram-${env}.privatelink.westeurope.azmk8s.io`;
    const links = index
      .ofType(T.link)
      .map((l) => inputs(l))
      .filter((l) => l.privateZoneName === zone);
    expect(
      links.map((l) => [l.virtualNetworkLinkName, l.virtualNetwork.id, l.registrationEnabled]).sort(),
    ).toEqual(
      [
        [`pdnslink-engram-${env}-aks`, idOf(index.one(T.vnet)), false],
        [`pdnslink-engram-${env}-aks-cicd-hub`, HUB, false],
      ].sort(),
    );
  });

  it("peers with the CI/CD hub both ways, with plain VNet access only", async () => {
    const { index } = await planOk(env, AKS_CHANGE[env]);
    const plain = {
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: false,
      allowGatewayTransit: false,
      useRemoteGateways: false,
    };
    expect(inputs(index.one(PEERING, "cicd-hub-local"))).toEqual({
      virtualNetworkPeeringName: `peer-engram-${env}-to-cicd-hub`,
      resourceGroupName: `rg-engram-${env}`,
      virtualNetworkName: `vnet-engram-${env}`,
      remoteVirtualNetwork: { id: HUB },
      ...plain,
    });
    expect(inputs(index.one(PEERING, "cicd-hub-remote"))).toEqual({
      virtualNetworkPeeringName: `peer-engram-${env}-from-cicd-hub`,
      resourceGroupName: "rg-engram-cicd",
      virtualNetworkName: "vnet-engram-cicd",
      remoteVirtualNetwork: { id: idOf(index.one(T.vnet)) },
      ...plain,
    });
  });
});

describe("the Container Apps stacks", () => {
  it.each(["dev", "test", "uat", "staging"])(
    "%s has no aks subnet, no peering and no AKS zone",
    async (env) => {
      const { index } = await planOk(env);
      expect(index.ofType(T.subnet).map((s) => inputs(s).subnetName)).toContain(`snet-engram-${env}-aca`);
      expect(index.ofType(T.subnet).map((s) => inputs(s).subnetName)).not.toContain(`snet-engram-${env}-aks`);
      expect(index.ofType(PEERING)).toEqual([]);
      expect(
        index.ofType(T.zone).filter((z) => String(inputs(z).privateZoneName).includes("azmk8s")),
      ).toEqual([]);
    },
  );
});
