import { PlanIndex } from "../scripts/offline/plan-index";
import type { PlanStep } from "../scripts/offline/plan";
import { SETTINGS } from "../src/matrix";
import { ENVIRONMENTS, planOk } from "./helpers/plan";

/**
 * Egress (DESIGN.md §6, SOP 000 "network first"): the apps' outbound traffic leaves through one
 * NAT gateway with one static public IP; the runtime's subnet (aca, or aks in prod: the cluster's
 * nodes, `outboundType: userAssignedNATGateway` in tests/aks-cluster.test.ts) and the
 * private-endpoint subnet have no default outbound access. Where Postgres is public (dev/test) its firewall admits that one address and the
 * admin allowlist, nothing else; where it is private (uat/staging/prod) it has no firewall rule.
 */
const HIGHER = ["uat", "staging", "prod"];

const subnet = (index: PlanIndex, qualifier: string): PlanStep =>
  index
    .ofType("azure-native:network:Subnet")
    .find((s) => (s.newState.inputs.subnetName as string).endsWith(`-${qualifier}`)) as PlanStep;

describe.each(ENVIRONMENTS)("egress in %s", (env) => {
  it(`sends the ${SETTINGS.runtime.defaults[env]} subnet's traffic through the NAT gateway and its static Standard IP`, async () => {
    const { index, config } = await planOk(env);
    const nat = index.one("azure-native:network:NatGateway");
    const pip = index.one("azure-native:network:PublicIPAddress", "network-egress-pip");
    const runtimeSubnet = subnet(index, config.decisions.runtime.value);
    expect(nat.newState.inputs.natGatewayName).toBe(`ng-engram-${env}`);
    expect(runtimeSubnet.newState.inputs.natGateway).toEqual({
      id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-${env}/providers/Microsoft.Network/natGateways/ng-engram-${env}`,
    });
    expect(nat.newState.inputs.publicIpAddresses).toEqual([
      {
        id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-${env}/providers/Microsoft.Network/publicIPAddresses/pip-engram-${env}-egress`,
      },
    ]);
    expect(pip.newState.inputs).toMatchObject({
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
      publicIPAddressVersion: "IPv4",
    });
  });

  it(`gives the ${SETTINGS.runtime.defaults[env]} and private-endpoint subnets no default outbound access`, async () => {
    const { index, config } = await planOk(env);
    const runtimeSubnet = subnet(index, config.decisions.runtime.value);
    expect(runtimeSubnet).toBeDefined();
    expect(runtimeSubnet.newState.inputs.defaultOutboundAccess).toBe(false);
    expect(subnet(index, "private-endpoints").newState.inputs.defaultOutboundAccess).toBe(false);
  });

  it("admits the egress IP and the allowlist to public Postgres only, and nothing to private Postgres", async () => {
    const { index, plan } = await planOk(env);
    const rules = index.ofType("azure-native:dbforpostgresql:FirewallRule").map((s) => s.newState.inputs);
    const egressIp = (
      plan.steps.find((s) => s.newState.type === "pulumi:pulumi:Stack")?.newState.outputs ?? {}
    ).egressIp as string;
    expect(egressIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    if (HIGHER.includes(env)) {
      expect(rules).toEqual([]);
    } else {
      expect(rules.map((r) => [r.firewallRuleName, r.startIpAddress, r.endIpAddress])).toEqual([
        ["egress-aca-nat", egressIp, egressIp],
        ["allowlist-203-0-113-0-24", "203.0.113.0", "203.0.113.255"],
      ]);
    }
  });
});
