/**
 * The CI/CD hub of the bootstrap (DESIGN.md §11 Delivery): GitHub-hosted runners with Azure
 * private networking in a delegated subnet, and the narrow rights an environment's deployers get
 * on the hub VNet. Run through the same offline harness as bootstrap.test.ts, and inside that file
 * (it imports this one): one jest file, so the SDK and the bootstrap program load once.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { BOOTSTRAP_ROLES } from "../../lib/roles";
import { BootstrapConfigError, validateBootstrapConfig } from "../src/config";
import { cidrsOverlap } from "../../lib/cidr";
import { DEFAULT_HUB_ADDRESS_SPACE, hubPeeringRoleGuid } from "../src/cicdHub";
import { ENVIRONMENTS } from "../src/names";
import { BASE_CONFIG, MOCK_GITHUB_ID, Registration, Run, runBootstrap, SUB } from "./harness";

const T = {
  rg: "azure-native:resources:ResourceGroup",
  vnet: "azure-native:network:VirtualNetwork",
  subnet: "azure-native:network:Subnet",
  nsg: "azure-native:network:NetworkSecurityGroup",
  nat: "azure-native:network:NatGateway",
  generic: "azure-native:resources:Resource",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  assignment: "azure-native:authorization:RoleAssignment",
  roleDefinition: "azure-native:authorization:RoleDefinition",
};
const HUB_RG = `/subscriptions/${SUB}/resourceGroups/rg-engram-cicd`;
const HUB_VNET = `${HUB_RG}/providers/Microsoft.Network/virtualNetworks/vnet-engram-cicd`;
const RUNNER_SUBNET = `${HUB_VNET}/subnets/snet-engram-cicd-runners`;
const HUB = (hub: Record<string, unknown>) => ({ ...BASE_CONFIG, cicdHub: JSON.stringify(hub) });
const refusals = (raw: Record<string, string>): string[] => {
  try {
    validateBootstrapConfig(raw);
  } catch (e) {
    if (e instanceof BootstrapConfigError) return [...e.problems];
    throw e;
  }
  return [];
};
const principalOf = (run: Run, name: string): string =>
  String(run.of(T.identity).find((r) => r.inputs.resourceName === name)?.outputs.principalId);
const atHub = (run: Run): Registration[] => run.of(T.assignment).filter((a) => a.inputs.scope === HUB_VNET);
const roleGuid = (a: Registration): string => String(a.inputs.roleDefinitionId).split("/").pop() ?? "";

describe("cicdHub config (pure validation, exact messages)", () => {
  it("GIVEN only the organization's databaseId THEN the hub takes 10.255.0.0/24 and peers prod", () => {
    expect(validateBootstrapConfig(HUB({ githubDatabaseId: 123456 })).cicdHub).toEqual({
      githubDatabaseId: "123456",
      addressSpace: "10.255.0.0/24",
      peerEnvironments: ["prod"],
    });
    expect(validateBootstrapConfig(BASE_CONFIG).cicdHub).toBeUndefined();
  });

  it("GIVEN a bad hub THEN every problem is reported at once, naming key, value and rule", () => {
    expect(
      refusals(
        HUB({
          githubDatabaseId: "acme",
          addressSpace: "20.1.0.0/24",
          peerEnvironments: ["prod", "qa"],
          environmentAddressSpaces: { sandbox: "10.0.0.0/16" },
        }),
      ),
    ).toEqual([
      'engram-bootstrap:cicdHub.githubDatabaseId="acme" is not valid: required; the GitHub organization\'s databaseId, a positive integer (GraphQL: organization(login) { databaseId })',
      'engram-bootstrap:cicdHub.addressSpace="20.1.0.0/24" is not valid: a private (RFC 1918) IPv4 CIDR from /16 to /27 with no host bits set; the runner subnet takes all of it',
      'engram-bootstrap:cicdHub.peerEnvironments="[\\"prod\\",\\"qa\\"]" is not valid: a non-empty JSON list of distinct environments (dev, test, uat, staging, prod)',
      'engram-bootstrap:cicdHub.environmentAddressSpaces.sandbox="10.0.0.0/16" is not valid: environments are dev, test, uat, staging, prod',
    ]);
    expect(refusals({ ...BASE_CONFIG, cicdHub: '{"vnet": 1}' })).toEqual([
      'engram-bootstrap:cicdHub="{\\"vnet\\": 1}" is not valid: a JSON object {"githubDatabaseId": <id>, "addressSpace": "<CIDR>", "peerEnvironments": [<env>], "environmentAddressSpaces": {<env>: "<CIDR>"}}; only githubDatabaseId is required',
    ]);
    expect(
      refusals(HUB({ githubDatabaseId: 1, addressSpace: "10.255.0.0/28", peerEnvironments: [] })),
    ).toEqual([
      'engram-bootstrap:cicdHub.addressSpace="10.255.0.0/28" is not valid: a private (RFC 1918) IPv4 CIDR from /16 to /27 with no host bits set; the runner subnet takes all of it',
      'engram-bootstrap:cicdHub.peerEnvironments="[]" is not valid: a non-empty JSON list of distinct environments (dev, test, uat, staging, prod)',
    ]);
  });

  it("GIVEN a zero databaseId, a /15 hub, a repeated environment and a bare address THEN each is refused", () => {
    expect(
      refusals(
        HUB({
          githubDatabaseId: "0",
          addressSpace: "10.0.0.0/15",
          peerEnvironments: ["prod", "prod"],
          environmentAddressSpaces: { prod: "10.50.0.0" },
        }),
      ),
    ).toEqual([
      'engram-bootstrap:cicdHub.githubDatabaseId="0" is not valid: required; the GitHub organization\'s databaseId, a positive integer (GraphQL: organization(login) { databaseId })',
      'engram-bootstrap:cicdHub.addressSpace="10.0.0.0/15" is not valid: a private (RFC 1918) IPv4 CIDR from /16 to /27 with no host bits set; the runner subnet takes all of it',
      'engram-bootstrap:cicdHub.peerEnvironments="[\\"prod\\",\\"prod\\"]" is not valid: a non-empty JSON list of distinct environments (dev, test, uat, staging, prod)',
      'engram-bootstrap:cicdHub.environmentAddressSpaces.prod="10.50.0.0" is not valid: an IPv4 CIDR with no host bits set: that environment\'s engram:network.addressSpace',
    ]);
    expect(refusals(HUB({ githubDatabaseId: 1, environmentAddressSpaces: ["10.50.0.0/16"] }))).toEqual([
      'engram-bootstrap:cicdHub.environmentAddressSpaces="[\\"10.50.0.0/16\\"]" is not valid: a JSON object {"githubDatabaseId": <id>, "addressSpace": "<CIDR>", "peerEnvironments": [<env>], "environmentAddressSpaces": {<env>: "<CIDR>"}}; only githubDatabaseId is required',
    ]);
  });

  it("GIVEN an environment's address space the hub overlaps THEN it is refused (peering needs disjoint ranges)", () => {
    expect(
      refusals(
        HUB({
          githubDatabaseId: 1,
          addressSpace: "10.50.255.0/24",
          environmentAddressSpaces: { staging: "10.40.0.0/16", prod: "10.50.0.0/16" },
        }),
      ),
    ).toEqual([
      'engram-bootstrap:cicdHub.addressSpace="10.50.255.0/24" is not valid: the hub must not overlap an environment\'s address space (peered VNets need disjoint ranges); prod uses 10.50.0.0/16',
    ]);
  });

  it("the default hub address space overlaps no committed stack's engram:network.addressSpace", () => {
    const root = path.join(__dirname, "..", "..");
    const spaces = ENVIRONMENTS.map((env) => {
      const file = YAML.parse(fs.readFileSync(path.join(root, `Pulumi.${env}.yaml`), "utf8")) as {
        config: Record<string, { addressSpace?: string } | undefined>;
      };
      return String(file.config["engram:network"]?.addressSpace);
    });
    expect(spaces).toEqual(["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16", "10.40.0.0/16", "10.50.0.0/16"]);
    expect(spaces.filter((s) => cidrsOverlap(s, DEFAULT_HUB_ADDRESS_SPACE))).toEqual([]);
  });
});

describe("bootstrap program with a CI/CD hub", () => {
  let run: Run;
  let plain: Run;
  beforeAll(async () => {
    run = await runBootstrap(HUB({ githubDatabaseId: 987654, peerEnvironments: ["staging", "prod"] }));
    plain = await runBootstrap(BASE_CONFIG);
  });

  it("GIVEN no cicdHub THEN no network resource, no hub grant and no hub output", () => {
    expect([T.vnet, T.subnet, T.nsg, T.nat, T.generic].flatMap((t) => plain.of(t))).toEqual([]);
    expect(atHub(plain)).toEqual([]);
    expect(Object.keys(plain.outputs).sort()).toEqual([
      "environmentResourceGroups",
      "githubEnvironmentVariables",
      "keyVault",
      "stateStorageAccount",
    ]);
  });

  it("outputs the main program's engram:cicdHub value, the runner subnet and the GitHubId for GitHub", () => {
    expect(run.outputs.cicdHub).toEqual({ vnetId: HUB_VNET, addressSpace: "10.255.0.0/24" });
    expect(run.outputs.cicdRunnerSubnetId).toBe(RUNNER_SUBNET);
    expect(run.outputs.githubNetworkSettingsId).toBe(MOCK_GITHUB_ID);
  });

  it("delegates the runner subnet to GitHub.Network/networkSettings, behind the NSG and the NAT gateway, with no default outbound access", () => {
    const [subnet] = run.of(T.subnet);
    expect(subnet.inputs).toMatchObject({
      resourceGroupName: "rg-engram-cicd",
      virtualNetworkName: "vnet-engram-cicd",
      addressPrefix: "10.255.0.0/24",
      delegations: [{ name: "github-network-settings", serviceName: "GitHub.Network/networkSettings" }],
      networkSecurityGroup: {
        id: `${HUB_RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-engram-cicd-runners`,
      },
      natGateway: { id: `${HUB_RG}/providers/Microsoft.Network/natGateways/ng-engram-cicd` },
      defaultOutboundAccess: false,
    });
    expect(run.of(T.rg).find((r) => r.inputs.resourceGroupName === "rg-engram-cicd")?.protect).toBe(true);
  });

  it("creates GitHub.Network/networkSettings (API 2024-04-02) with the organization's databaseId and the runner subnet", () => {
    const [settings] = run.of(T.generic);
    expect(settings.inputs).toMatchObject({
      resourceProviderNamespace: "GitHub.Network",
      resourceType: "networkSettings",
      parentResourcePath: "",
      apiVersion: "2024-04-02",
      resourceName: "ghns-engram-cicd",
      resourceGroupName: "rg-engram-cicd",
      location: "westeurope",
      properties: { businessId: "987654", subnetId: RUNNER_SUBNET },
    });
  });

  it("NSG: GitHub's documented outbound rules, HTTPS only, nothing inbound", () => {
    const rules = run.of(T.nsg)[0].inputs.securityRules as Record<string, unknown>[];
    const brief = rules.map((r) => [r.direction, r.priority, r.access, r.name, r.destinationPortRange]);
    expect(brief).toEqual([
      ["Outbound", 200, "Allow", "AllowVnetOutBoundOverwrite", "443"],
      ["Outbound", 210, "Allow", "AllowOutBoundActions", "443"],
      ["Outbound", 220, "Allow", "AllowOutBoundGitHub", "443"],
      ["Outbound", 230, "Allow", "AllowStorageOutbound", "443"],
      ["Outbound", 240, "Allow", "allow-arm-out", "443"],
      ["Outbound", 250, "Allow", "allow-entra-out", "443"],
      ["Outbound", 260, "Allow", "allow-keyvault-out", "443"],
      ["Outbound", 300, "Allow", "allow-https-internet-out", "443"],
      ["Outbound", 4096, "Deny", "deny-all-outbound", "*"],
      ["Inbound", 4096, "Deny", "deny-all-inbound", "*"],
    ]);
    const byName = Object.fromEntries(rules.map((r) => [r.name, r]));
    expect(byName.AllowVnetOutBoundOverwrite.destinationAddressPrefix).toBe("VirtualNetwork");
    expect(byName.AllowStorageOutbound.destinationAddressPrefix).toBe("Storage");
    expect(byName.AllowOutBoundGitHub.destinationAddressPrefixes).toEqual(
      expect.arrayContaining(["140.82.112.0/20", "143.55.64.0/20", "185.199.108.0/22", "192.30.252.0/22"]),
    );
    expect((byName.AllowOutBoundActions.destinationAddressPrefixes as string[]).length).toBe(65);
    expect(rules.filter((r) => r.direction === "Inbound" && r.access === "Allow")).toEqual([]);
  });

  it("the hub peering role can peer, link a DNS zone and manage peerings on the hub VNet only, nothing on its subnets", () => {
    const role = run.of(T.roleDefinition).find((r) => r.inputs.roleDefinitionId === hubPeeringRoleGuid(SUB));
    expect(role?.inputs.assignableScopes).toEqual([HUB_VNET]);
    expect(role?.inputs.permissions).toEqual([
      {
        actions: [
          "Microsoft.Network/virtualNetworks/read",
          "Microsoft.Network/virtualNetworks/peer/action",
          "Microsoft.Network/virtualNetworks/join/action",
          "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read",
          "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write",
          "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete",
        ],
        notActions: [],
        dataActions: [],
        notDataActions: [],
      },
    ]);
  });

  it("grants each peered environment's apply identity the peering role and its plan identity Reader, on the hub VNet, and nobody else anything there", () => {
    const expected = ["staging", "prod"].flatMap((env) => [
      [principalOf(run, `id-engram-${env}-apply`), hubPeeringRoleGuid(SUB)],
      [principalOf(run, `id-engram-${env}-plan`), BOOTSTRAP_ROLES.Reader],
    ]);
    const actual = atHub(run).map((a) => [String(a.inputs.principalId), roleGuid(a)]);
    const byPrincipal = (x: string[], y: string[]) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);
    expect(actual.sort(byPrincipal)).toEqual(expected.sort(byPrincipal));
    const inHubGroup = run.of(T.assignment).filter((a) => String(a.inputs.scope).startsWith(HUB_RG));
    expect(inHubGroup).toHaveLength(4);
  });
});
