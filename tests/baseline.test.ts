import { inputs, T } from "./helpers/data";
import { namespaceValues, validateConfig } from "../src/config";
import { SETTINGS } from "../src/matrix";
import { ENVIRONMENTS, Environment, planOk, planRefused, stackConfig } from "./helpers/plan";
import { PROD_OPTIONS } from "./helpers/variants";

/**
 * Microsoft's Azure Policy built-ins, the every-environment part (issue 17; docs/azure-policy-baseline.md):
 * each secure property the baseline asks for is stated in the request itself, because a Deny
 * assignment sees only the request, never the service default. Every value is written out here and
 * checked in all five plans; `engram:ddosProtectionPlanId` is refused when it is not the id of a
 * DDoS protection plan, and links the plan to the VNet when it is.
 */

/** Where the WAF is the public entry: prod always, staging by its stack file. */
const WAF: Record<Environment, boolean> = { dev: false, test: false, uat: false, staging: true, prod: true };

const WAF_POLICY = "azure-native:network:WebApplicationFirewallPolicy";
const GATEWAY = "azure-native:network:ApplicationGateway";
const APP_INSIGHTS = "azure-native:applicationinsights:Component";

const PLAN_ID =
  "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-network-shared/providers/Microsoft.Network/ddosProtectionPlans/ddos-engram";

describe.each(ENVIRONMENTS)("the Azure Policy baseline in %s", (env) => {
  it("Storage: infrastructure encryption with Microsoft-managed keys for blob and file", async () => {
    const { index } = await planOk(env);
    expect(inputs(index.one(T.account)).encryption).toEqual({
      requireInfrastructureEncryption: true,
      keySource: "Microsoft.Storage",
      services: {
        blob: { enabled: true, keyType: "Account" },
        file: { enabled: true, keyType: "Account" },
      },
    });
  });

  it("Storage: SAS tokens valid for at most 7 days, longer ones blocked", async () => {
    const { index } = await planOk(env);
    expect(inputs(index.one(T.account)).sasPolicy).toEqual({
      sasExpirationPeriod: "7.00:00:00",
      expirationAction: "Block",
    });
  });

  // The workloads' subnet: aca, or aks where the stack runs on AKS (prod; docs/aks.md).
  const rt = (stackConfig(env).values["engram:runtime"] ?? SETTINGS.runtime.defaults[env]) as string;

  it(`every subnet is private (defaultOutboundAccess false); only the ${rt} subnet goes through the NAT gateway`, async () => {
    const { index } = await planOk(env);
    const subnets = index
      .ofType(T.subnet)
      .map((s) => [
        inputs(s).subnetName,
        inputs(s).defaultOutboundAccess,
        inputs(s).natGateway !== undefined,
      ]);
    expect(subnets).toEqual([
      [`snet-engram-${env}-${rt}`, false, true],
      [`snet-engram-${env}-private-endpoints`, false, false],
      ...(WAF[env] ? [[`snet-engram-${env}-appgw`, false, false]] : []),
    ]);
  });

  it("the VNet states DDoS Network Protection off when no plan is configured", async () => {
    const { index } = await planOk(env);
    const vnet = inputs(index.one(T.vnet));
    expect(vnet.enableDdosProtection).toBe(false);
    expect(vnet).not.toHaveProperty("ddosProtectionPlan");
  });

  it(
    WAF[env]
      ? "the WAF policy runs the Microsoft Default Rule Set 2.1 and the Bot Manager Rule Set 1.1"
      : "has no WAF policy (the API is published by Container Apps)",
    async () => {
      const { index } = await planOk(env);
      if (!WAF[env]) {
        expect(index.ofType(WAF_POLICY)).toEqual([]);
        return;
      }
      expect(inputs(index.one(WAF_POLICY)).managedRules.managedRuleSets).toEqual([
        { ruleSetType: "Microsoft_DefaultRuleSet", ruleSetVersion: "2.1" },
        { ruleSetType: "Microsoft_BotManagerRuleSet", ruleSetVersion: "1.1" },
      ]);
    },
  );

  if (WAF[env])
    it("the HTTP listener's redirect is reachable: the appgw NSG admits TCP 80 from the Internet", async () => {
      const { index } = await planOk(env);
      const rules = inputs(index.one(T.nsg, "network-appgw-nsg")).securityRules as Record<string, unknown>[];
      expect(rules.find((r) => r.destinationPortRange === "80")).toEqual({
        name: "allow-http-internet",
        description: "HTTP, redirected permanently to HTTPS",
        priority: 130,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        sourceAddressPrefix: "Internet",
        sourcePortRange: "*",
        destinationAddressPrefix: "*",
        destinationPortRange: "80",
      });
      const gateway = inputs(index.one(GATEWAY));
      expect(gateway.frontendPorts).toContainEqual({ name: "http", port: 80 });
      expect(gateway.requestRoutingRules).toContainEqual(
        expect.objectContaining({ name: "http-redirect", ruleType: "Basic" }),
      );
    });

  it("every Postgres server logs checkpoints, connections and disconnections", async () => {
    const { index } = await planOk(env);
    const servers = index.ofType(T.server).map((s) => inputs(s).serverName as string);
    expect(servers.length).toBeGreaterThanOrEqual(1);
    for (const serverName of servers) {
      const logging = index
        .ofType(T.configuration)
        .map(inputs)
        .filter((c) => c.serverName === serverName && String(c.configurationName).startsWith("log_"))
        .map((c) => [c.configurationName, c.value, c.source]);
      expect([serverName, logging]).toEqual([
        serverName,
        [
          ["log_checkpoints", "ON", "user-override"],
          ["log_connections", "ON", "user-override"],
          ["log_disconnections", "ON", "user-override"],
        ],
      ]);
    }
  });

  it("Application Insights keeps Profiler and Snapshot Debugger data in customer storage only", async () => {
    const { index } = await planOk(env);
    expect(inputs(index.one(APP_INSIGHTS)).forceCustomerStorageForProfiler).toBe(true);
  });
});

// The DDoS link does not depend on the environment: one variant plan (prod) proves the wiring, and
// every malformed id is refused by validateConfig in each environment, with one end-to-end refusal.
describe("engram:ddosProtectionPlanId", () => {
  it("GIVEN a DDoS protection plan id in prod THEN the VNet is linked to that plan with DDoS protection on", async () => {
    // Prod's shared variant of optional settings (this plan id among them).
    const { index } = await planOk("prod", PROD_OPTIONS);
    expect(PROD_OPTIONS.set["engram:ddosProtectionPlanId"]).toBe(PLAN_ID);
    const vnet = inputs(index.one(T.vnet));
    expect(vnet.enableDdosProtection).toBe(true);
    expect(vnet.ddosProtectionPlan).toEqual({ id: PLAN_ID });
  });

  const MALFORMED: [string, string][] = [
    [
      "the id of another resource type",
      "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-network-shared/providers/Microsoft.Storage/storageAccounts/stddos",
    ],
    ["a plan name alone", "ddos-engram"],
    [
      "a subscription that is not a GUID",
      "/subscriptions/prod/resourceGroups/rg-network-shared/providers/Microsoft.Network/ddosProtectionPlans/ddos-engram",
    ],
    [
      "a trailing slash",
      "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-network-shared/providers/Microsoft.Network/ddosProtectionPlans/ddos-engram/",
    ],
  ];
  const message = (value: string, env: string) =>
    `engram:ddosProtectionPlanId=${value} is not allowed in ${env}: the resource id of a Microsoft.Network/ddosProtectionPlans resource (/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Network/ddosProtectionPlans/<name>)`;

  describe.each(ENVIRONMENTS)("in %s", (env) => {
    it.each(MALFORMED)("GIVEN %s THEN validateConfig refuses it with its exact message", (_what, value) => {
      const r = validateConfig({
        project: "engram-infra",
        stack: env,
        values: {
          ...namespaceValues(stackConfig(env).values),
          ddosProtectionPlanId: value,
          azureAiKey: "sk-test",
        },
        secretKeys: ["azureAiKey"],
      });
      expect(r.ok ? [] : r.problems).toEqual([message(value, env)]);
    });
  });

  it("GIVEN a malformed id in the committed staging stack THEN the plan is refused with the same message", async () => {
    expect(await planRefused("staging", { set: { "engram:ddosProtectionPlanId": MALFORMED[1][1] } })).toEqual(
      [message(MALFORMED[1][1], "staging")],
    );
  });
});
