import { PlanIndex } from "../scripts/offline/plan-index";
import { addressSpaceProblem, carveSubnets, ipRange } from "../lib/cidr";
import { isHigher, SETTINGS } from "../src/matrix";
import { idOf, inputs, registrations, T } from "./helpers/data";
import { ENVIRONMENTS, planOk, planRefused, stackConfig } from "./helpers/plan";
import { DEV_OPTIONS } from "./helpers/variants";

/**
 * The network of DESIGN.md §6 (SOP 000 Network Controls): VNet and subnets carved from
 * engram:network.addressSpace, an NSG with default-deny inbound on every subnet, private
 * endpoints with DNS for Key Vault, Blob and Postgres in higher environments.
 */

interface Rule {
  name: string;
  priority: number;
  access: string;
  direction: string;
  sourceAddressPrefix: string;
  destinationPortRange: string;
}

const nsgOf = (index: PlanIndex, key: string) =>
  inputs(index.one(T.nsg, `network-${key}-nsg`)).securityRules as Rule[];
const allowedInbound = (rules: Rule[]) =>
  rules
    .filter((r) => r.direction === "Inbound" && r.access === "Allow")
    .map((r) => `${r.sourceAddressPrefix}:${r.destinationPortRange}`)
    .sort();

describe.each(ENVIRONMENTS)("network in %s", (env) => {
  const higher = isHigher(env);
  // The WAF is on in prod and wherever the stack file turns it on (staging does).
  const waf = (stackConfig(env).values["engram:waf"] ?? String(env === "prod")) === "true";
  const space = () => JSON.parse(stackConfig(env).values["engram:network"]).addressSpace as string;
  // The workloads' subnet in the first /23: aca, or aks where the stack runs on AKS (docs/aks.md).
  const rt = (stackConfig(env).values["engram:runtime"] ?? SETTINGS.runtime.defaults[env]) as string;

  it(`builds one VNet from engram:network.addressSpace with ${rt} /23, private-endpoints /24 and appgw /24 only with the WAF`, async () => {
    const { index } = await planOk(env);
    expect(inputs(index.one(T.vnet)).addressSpace.addressPrefixes).toEqual([space()]);
    const [a, b] = space().split(".").map(Number);
    const subnets = Object.fromEntries(index.ofType(T.subnet).map((s) => [index.logicalName(s), inputs(s)]));
    expect(subnets[`network-${rt}-snet`].addressPrefix).toBe(`${a}.${b}.0.0/23`);
    expect(subnets[`network-${rt}-snet`].delegations).toEqual(
      rt === "aca" ? [{ name: "aca", serviceName: "Microsoft.App/environments" }] : undefined,
    );
    expect(Object.keys(subnets)).not.toContain(`network-${rt === "aca" ? "aks" : "aca"}-snet`);
    expect(subnets["network-privateEndpoints-snet"].addressPrefix).toBe(`${a}.${b}.2.0/24`);
    expect(subnets["network-privateEndpoints-snet"].privateEndpointNetworkPolicies).toBe("Enabled");
    expect(subnets["network-appgw-snet"]?.addressPrefix).toBe(waf ? `${a}.${b}.3.0/24` : undefined);
  });

  it("puts an NSG on every subnet whose last inbound rule denies everything", async () => {
    const { index } = await planOk(env);
    for (const s of index.ofType(T.subnet)) {
      const nsgId = inputs(s).networkSecurityGroup.id as string;
      const nsg = index.ofType(T.nsg).find((n) => idOf(n) === nsgId);
      expect(nsg).toBeDefined();
      const rules = inputs(nsg!).securityRules as Rule[];
      const last = [...rules].sort((x, y) => y.priority - x.priority)[0];
      expect(last).toMatchObject({
        access: "Deny",
        direction: "Inbound",
        sourceAddressPrefix: "*",
        destinationPortRange: "*",
      });
    }
  });

  it(
    rt === "aca"
      ? `aca admits the VNet and the load balancer${waf ? "" : " and HTTPS from the Internet (ACA publishes the API)"}`
      : "aks admits the WAF on the backend's port, the nodes, the pods, the load balancer and the CI/CD hub on 443, never the Internet",
    async () => {
      const { index } = await planOk(env);
      const [a, b] = space().split(".").map(Number);
      const hub = stackConfig(env).values["engram:cicdHub"];
      expect(allowedInbound(nsgOf(index, rt))).toEqual(
        (rt === "aca"
          ? ["AzureLoadBalancer:*", "VirtualNetwork:*", ...(waf ? [] : ["Internet:443"])]
          : [
              `${a}.${b}.3.0/24:80`,
              `${a}.${b}.0.0/23:*`,
              "192.168.0.0/16:*",
              "AzureLoadBalancer:*",
              `${hub ? (JSON.parse(hub) as { addressSpace: string }).addressSpace : "(no hub)"}:443`,
            ]
        ).sort(),
      );
    },
  );

  it(`private-endpoints admits 443 and 5432 from the ${rt} subnet only`, async () => {
    const { index } = await planOk(env);
    const [a, b] = space().split(".").map(Number);
    expect(allowedInbound(nsgOf(index, "privateEndpoints"))).toEqual([
      `${a}.${b}.0.0/23:443`,
      `${a}.${b}.0.0/23:5432`,
    ]);
  });

  it(
    higher
      ? "has private endpoints for the vault, blob and each Postgres server, each with a DNS zone group on a VNet-linked zone"
      : "has no private endpoint",
    async () => {
      const { index } = await planOk(env);
      const endpoints = index.ofType(T.endpoint);
      if (!higher) {
        expect(endpoints).toEqual([]);
        expect(index.ofType("engram:network:PrivateEndpoints")).toEqual([]);
        return;
      }
      const groupIds = endpoints.map((e) => inputs(e).privateLinkServiceConnections[0].groupIds[0]).sort();
      expect(groupIds).toEqual(["blob", "postgresqlServer", "postgresqlServer", "vault"]);
      // Zones of the private endpoints (the runtime layer adds its own zone for the internal ACA environment).
      const mine = index.descendants(index.one("engram:network:PrivateEndpoints").urn);
      const ofType = (t: string) => mine.filter((m) => m.newState.type === t);
      const zones = Object.fromEntries(ofType(T.zone).map((z) => [idOf(z), inputs(z).privateZoneName]));
      expect(Object.values(zones).sort()).toEqual([
        "privatelink.blob.core.windows.net",
        "privatelink.postgres.database.azure.com",
        "privatelink.vaultcore.azure.net",
      ]);
      const expectedZone: Record<string, string> = {
        vault: "privatelink.vaultcore.azure.net",
        blob: "privatelink.blob.core.windows.net",
        postgresqlServer: "privatelink.postgres.database.azure.com",
      };
      const peSubnet = idOf(index.one(T.subnet, "network-privateEndpoints-snet"));
      for (const e of endpoints) {
        const i = inputs(e);
        expect(i.subnet.id).toBe(peSubnet);
        const group = i.privateLinkServiceConnections[0].groupIds[0] as string;
        const zg = index
          .ofType(T.zoneGroup)
          .filter((z) => inputs(z).privateEndpointName === i.privateEndpointName);
        expect(zg.length).toBe(1);
        expect(zones[inputs(zg[0]).privateDnsZoneConfigs[0].privateDnsZoneId]).toBe(expectedZone[group]);
      }
      const vnet = idOf(index.one(T.vnet));
      const links = ofType(T.link).map(inputs);
      expect(links.length).toBe(3);
      for (const l of links) {
        expect(l.virtualNetwork.id).toBe(vnet);
        expect(l.registrationEnabled).toBe(false);
      }
    },
  );
});

describe("network options", () => {
  it("GIVEN staging with engram:waf=true (committed) THEN the appgw subnet exists with GatewayManager, load balancer, HTTPS and HTTP (redirected) inbound, and aca takes nothing from the Internet", async () => {
    const { index } = await planOk("staging");
    expect(stackConfig("staging").values["engram:waf"]).toBe("true");
    expect(inputs(index.one(T.subnet, "network-appgw-snet")).addressPrefix).toBe("10.40.3.0/24");
    expect(allowedInbound(nsgOf(index, "appgw"))).toEqual([
      "AzureLoadBalancer:*",
      "GatewayManager:65200-65535",
      "Internet:443",
      "Internet:80",
    ]);
    expect(allowedInbound(nsgOf(index, "aca"))).not.toContain("Internet:443");
  });

  it("GIVEN dev with engram:privateEndpoints=true THEN dev gets private endpoints (one Postgres server) and private data planes", async () => {
    // dev's shared variant of higher-tier settings (engram:privateEndpoints=true among them).
    const { index } = await planOk("dev", DEV_OPTIONS);
    expect(
      index
        .ofType(T.endpoint)
        .map((e) => inputs(e).privateLinkServiceConnections[0].groupIds[0])
        .sort(),
    ).toEqual(["blob", "postgresqlServer", "vault"]);
    expect(inputs(index.one(T.vault)).properties.publicNetworkAccess).toBe("Disabled");
    expect(index.ofType(T.zoneGroup).length).toBe(3);
  });
});

describe("address space carving (lib/cidr.ts)", () => {
  it("carves the same subnets from a /16 and fits exactly in a /22", () => {
    expect(carveSubnets("10.20.0.0/16")).toEqual({
      aca: "10.20.0.0/23",
      privateEndpoints: "10.20.2.0/24",
      appgw: "10.20.3.0/24",
    });
    expect(carveSubnets("192.168.4.0/22")).toEqual({
      aca: "192.168.4.0/23",
      privateEndpoints: "192.168.6.0/24",
      appgw: "192.168.7.0/24",
    });
  });
  it("refuses what it cannot carve, naming the rule", () => {
    expect(() => carveSubnets("10.0.0.0/23")).toThrow(
      "the VNet address space 10.0.0.0/23 cannot hold the subnets: the address space is an IPv4 CIDR from /16 to /22 with no host bits set, e.g. 10.20.0.0/16",
    );
    expect(addressSpaceProblem("10.0.0.1/16")).toMatch(/no host bits set/);
    expect(addressSpaceProblem("10.0.0.0")).toMatch(/IPv4 CIDR/);
    expect(addressSpaceProblem("10.20.0.0/16 ")).toMatch(/IPv4 CIDR/);
    expect(addressSpaceProblem("8.8.0.0/16")).toMatch(/^the address space is private \(RFC 1918/);
    expect(addressSpaceProblem("172.16.0.0/16")).toBeUndefined();
  });
  it("turns an allowlist CIDR into a firewall range", () => {
    expect(ipRange("203.0.113.0/24")).toEqual({ start: "203.0.113.0", end: "203.0.113.255" });
    expect(ipRange("198.51.100.7")).toEqual({ start: "198.51.100.7", end: "198.51.100.7" });
  });
});

describe("a bad address space", () => {
  const cases: [string, string][] = [
    [
      "10.0.0.0/24",
      "engram:network.addressSpace=10.0.0.0/24 is not allowed in dev: the address space is an IPv4 CIDR from /16 to /22 with no host bits set, e.g. 10.20.0.0/16",
    ],
    [
      "10.0.1.0/16",
      "engram:network.addressSpace=10.0.1.0/16 is not allowed in dev: the address space is an IPv4 CIDR from /16 to /22 with no host bits set, e.g. 10.20.0.0/16",
    ],
    [
      "20.30.0.0/16",
      "engram:network.addressSpace=20.30.0.0/16 is not allowed in dev: the address space is private (RFC 1918: inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16); other ranges are public addresses the VNet would hide or ranges Azure and Container Apps reserve",
    ],
  ];
  it.each(cases)("GIVEN %s THEN the plan is refused with its exact message", async (value, message) => {
    const problems = await planRefused("dev", { set: { "engram:network": { addressSpace: value } } });
    expect(problems).toEqual([message]);
  });
  it("AND nothing but the stack is registered", async () => {
    const { types, error } = await registrations("dev", {
      set: { "engram:network": { addressSpace: "10.0.0.0/24" } },
      secrets: { "engram:azureAiKey": "test-value-network" },
    });
    expect(String(error)).toContain("engram:network.addressSpace=10.0.0.0/24 is not allowed in dev");
    expect(types.filter((t) => t !== "pulumi:pulumi:Stack")).toEqual([]);
  });
});

describe("WAF overrides", () => {
  it("refuses to be turned off in prod, with its exact message", async () => {
    expect(await planRefused("prod", { set: { "engram:waf": "false" } })).toEqual([
      "engram:waf=false is not allowed in prod: prod exposes the API only through the WAF (SOP 000: WAF/APIM front door in prod)",
    ]);
  });

  it.each(["dev", "test"] as const)("is refused on in %s, with its exact message", async (env) => {
    expect(await planRefused(env, { set: { "engram:waf": "true" } })).toEqual([
      `engram:waf=true is not allowed in ${env}: the WAF may be turned on only in uat and staging, and is always on in prod (DESIGN.md §1)`,
    ]);
  });
});
