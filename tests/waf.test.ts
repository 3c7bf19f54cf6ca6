import { PlanIndex } from "../scripts/offline/plan-index";
import type { PlanStep } from "../scripts/offline/plan";
import { ENVIRONMENTS, Environment, planOk } from "./helpers/plan";
import { PROD_LIKE_ACA, PROD_LIKE_ACA_STACK } from "./helpers/variants";

/**
 * The public entry of the API (DESIGN.md §1 "API public surface", §6; SOP 000 WAF/APIM in prod,
 * HSTS on public endpoints; SOP 001 rate-limit MCP at ingress/WAF). Prod runs on AKS: the gateway's
 * backend there is the backend Service's internal load balancer; on Container Apps (staging with
 * prod's settings, PROD_LIKE_ACA) it is the internal backend app's FQDN.
 */

type Sub = { id: string };
const gw = (index: PlanIndex) =>
  index.one("azure-native:network:ApplicationGateway").newState.inputs as Record<string, unknown>;
const list = <T>(v: unknown) => v as T[];
/** The backend's Kubernetes Service (AKS). */
const backendService = (index: PlanIndex) =>
  index
    .ofType("kubernetes:core/v1:Service")
    .find((s) => (s.newState.inputs.metadata as { name: string }).name === "backend") as PlanStep;

describe.each(ENVIRONMENTS)("the WAF in %s", (env: Environment) => {
  it("is there exactly when the matrix decision is on (always in prod), the backend internal with it", async () => {
    const { index, config } = await planOk(env);
    const on = config.decisions.waf.value;
    if (env === "prod") expect(on).toBe(true);
    if (config.decisions.runtime.value === "aca") {
      const e = index.one("azure-native:app:ManagedEnvironment").newState.inputs;
      expect((e.vnetConfiguration as { internal: boolean }).internal).toBe(on);
    } else {
      // AKS is only ever reached inside the VNet: the backend is an internal load balancer (with or
      // without the WAF), and the cluster's API server is private (tests/aks-cluster.test.ts).
      const svc = backendService(index).newState.inputs as {
        metadata: { annotations: Record<string, string> };
        spec: { type: string };
      };
      expect(svc.spec.type).toBe("LoadBalancer");
      expect(svc.metadata.annotations["service.beta.kubernetes.io/azure-load-balancer-internal"]).toBe(
        "true",
      );
    }
    expect(index.ofType("azure-native:network:ApplicationGateway")).toHaveLength(on ? 1 : 0);
    expect(index.ofType("azure-native:network:WebApplicationFirewallPolicy")).toHaveLength(on ? 1 : 0);
    // The gateway's public IP; the other one in every environment is the NAT egress IP (tests/egress.test.ts).
    expect(
      index.ofType("azure-native:network:PublicIPAddress").filter((s) => index.logicalName(s) === "waf-pip"),
    ).toHaveLength(on ? 1 : 0);
  });
});

describe("the WAF in prod", () => {
  it("has a policy in Prevention mode with the Default Rule Set 2.1 and body inspection", async () => {
    const { index } = await planOk("prod");
    const p = index.one("azure-native:network:WebApplicationFirewallPolicy").newState.inputs;
    expect(p.policySettings).toMatchObject({ state: "Enabled", mode: "Prevention", requestBodyCheck: true });
    expect(p.managedRules).toEqual({
      managedRuleSets: [
        { ruleSetType: "Microsoft_DefaultRuleSet", ruleSetVersion: "2.1" },
        { ruleSetType: "Microsoft_BotManagerRuleSet", ruleSetVersion: "1.1" },
      ],
    });
  });

  it("rate limits requests whose path begins with /api/v1/mcp, per client IP, by blocking", async () => {
    const { index } = await planOk("prod");
    const rules = list<Record<string, unknown>>(
      index.one("azure-native:network:WebApplicationFirewallPolicy").newState.inputs.customRules,
    );
    const rl = rules.filter((r) => r.ruleType === "RateLimitRule");
    expect(rl).toHaveLength(1);
    expect(rl[0]).toMatchObject({
      action: "Block",
      state: "Enabled",
      rateLimitDuration: "OneMin",
      groupByUserSession: [{ groupByVariables: [{ variableName: "ClientAddr" }] }],
      matchConditions: [
        {
          matchVariables: [{ variableName: "RequestUri" }],
          operator: "BeginsWith",
          matchValues: ["/api/v1/mcp"],
        },
      ],
    });
    expect(rl[0].rateLimitThreshold).toBeGreaterThan(0);
  });

  it("is WAF_v2 with that policy, TLS 1.2+ policy, HTTPS listener from Key Vault, HTTP redirected, HSTS added", async () => {
    const { index } = await planOk("prod");
    const g = gw(index);
    const policy = index.one("azure-native:network:WebApplicationFirewallPolicy");
    expect(g.sku).toEqual({ name: "WAF_v2", tier: "WAF_v2" });
    expect((g.firewallPolicy as Sub).id).toBe(
      `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-prod/providers/Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/${policy.newState.inputs.policyName as string}`,
    );
    expect(g.sslPolicy).toEqual({ policyType: "Predefined", policyName: "AppGwSslPolicy20220101S" });
    const vault = index.one("azure-native:keyvault:Vault").newState.inputs.vaultName as string;
    expect(g.sslCertificates).toEqual([
      { name: "public-tls", keyVaultSecretId: `https://${vault}.vault.azure.net/secrets/appgw-tls` },
    ]);
    const listeners = list<{ name: string; protocol: string; frontendPort: Sub; sslCertificate?: Sub }>(
      g.httpListeners,
    );
    expect(listeners.map((l) => [l.name, l.protocol])).toEqual([
      ["https", "Https"],
      ["http", "Http"],
    ]);
    expect(listeners[0].sslCertificate?.id).toMatch(
      /\/applicationGateways\/agw-engram-prod\/sslCertificates\/public-tls$/,
    );
    const ports = list<{ name: string; port: number }>(g.frontendPorts);
    expect(ports).toEqual([
      { name: "https", port: 443 },
      { name: "http", port: 80 },
    ]);
    const rules = list<{
      name: string;
      httpListener: Sub;
      redirectConfiguration?: Sub;
      rewriteRuleSet?: Sub;
    }>(g.requestRoutingRules);
    const http = rules.find((r) => r.httpListener.id.endsWith("/httpListeners/http"));
    expect(http?.redirectConfiguration?.id).toMatch(/\/redirectConfigurations\/http-to-https$/);
    expect(list<{ redirectType: string; targetListener: Sub }>(g.redirectConfigurations)[0]).toMatchObject({
      redirectType: "Permanent",
      targetListener: { id: expect.stringMatching(/\/httpListeners\/https$/) },
    });
    const https = rules.find((r) => r.httpListener.id.endsWith("/httpListeners/https"));
    expect(https?.rewriteRuleSet?.id).toMatch(/\/rewriteRuleSets\/security-headers$/);
    const hsts = JSON.stringify(g.rewriteRuleSets);
    expect(hsts).toContain(
      '{"headerName":"Strict-Transport-Security","headerValue":"max-age=31536000; includeSubDomains"}',
    );
  });

  it("sends traffic over HTTP to the backend Service's internal load balancer, probing /health", async () => {
    const { index } = await planOk("prod");
    const g = gw(index);
    const annotations = (
      backendService(index).newState.inputs.metadata as { annotations: Record<string, string> }
    ).annotations;
    const ip = annotations["service.beta.kubernetes.io/azure-load-balancer-ipv4"];
    expect(ip).toMatch(/^10\.\d+\.\d+\.\d+$/);
    // The IP's place in the aks subnet: tests/aks-workloads.test.ts "Services".
    expect(g.backendAddressPools).toEqual([{ name: "backend", backendAddresses: [{ ipAddress: ip }] }]);
    expect(index.stackOutputs.backendUrl).toBe(`http://${ip}:80`);
    expect(list<Record<string, unknown>>(g.backendHttpSettingsCollection)[0]).toMatchObject({
      protocol: "Http",
      port: 80,
    });
    expect(list<Record<string, unknown>>(g.probes)[0]).toMatchObject({ protocol: "Http", path: "/health" });
    // Nothing of Container Apps' front: no app FQDN, no environment zone.
    expect(index.ofType("azure-native:privatedns:PrivateRecordSet")).toEqual([]);
  });

  it("its identity may read only the certificate secret, and the gateway waits for that grant", async () => {
    const { index } = await planOk("prod");
    const grants = index
      .ofType("azure-native:authorization:RoleAssignment")
      .filter((g) => (g.newState.inputs.description as string).startsWith("engram-infra: appgw -> "));
    expect(grants.map((g) => g.newState.inputs.description)).toEqual([
      "engram-infra: appgw -> Key Vault Secrets User on kv-secret:appgw-tls",
    ]);
    expect(grants[0].newState.inputs.scope).toMatch(
      /\/providers\/Microsoft\.KeyVault\/vaults\/kv-engram-prod-[a-z0-9]+\/secrets\/appgw-tls$/,
    );
    expect(index.one("azure-native:network:ApplicationGateway").newState.dependencies).toContain(
      grants[0].urn,
    );
  });

  it("has a Standard static zonal public IP with DDoS protection inherited from the VNet", async () => {
    const { index } = await planOk("prod");
    const ip = index.one("azure-native:network:PublicIPAddress", "waf-pip").newState.inputs;
    expect(ip).toMatchObject({
      sku: { name: "Standard", tier: "Regional" },
      publicIPAllocationMethod: "Static",
      ddosSettings: { protectionMode: "VirtualNetworkInherited" },
      zones: ["1", "2", "3"],
    });
    expect(gw(index).zones).toEqual(["1", "2", "3"]);
  });
});

describe("the WAF on Container Apps (staging with prod's settings, PROD_LIKE_ACA)", () => {
  it("sends traffic over HTTPS to the internal backend app's FQDN, probing /health", async () => {
    const { index } = await planOk(PROD_LIKE_ACA_STACK, PROD_LIKE_ACA);
    const g = gw(index);
    const backend = index.one("azure-native:app:ContainerApp", "backend-app");
    const domain = index.stackOutputs.backendUrl as string;
    expect(domain).toMatch(
      /^https:\/\/ca-engram-staging-backend\.[a-z0-9-]+\.westeurope\.azurecontainerapps\.io$/,
    );
    expect(g.backendAddressPools).toEqual([
      { name: "backend", backendAddresses: [{ fqdn: domain.slice(8) }] },
    ]);
    expect(backend.newState.inputs.containerAppName).toBe("ca-engram-staging-backend");
    expect(list<Record<string, unknown>>(g.backendHttpSettingsCollection)[0]).toMatchObject({
      protocol: "Https",
      port: 443,
      pickHostNameFromBackendAddress: true,
    });
    expect(list<Record<string, unknown>>(g.probes)[0]).toMatchObject({ protocol: "Https", path: "/health" });
    // The app's FQDN resolves in the VNet through the environment's private zone.
    const zone = index.one("azure-native:privatedns:PrivateRecordSet").newState.inputs;
    expect(zone).toMatchObject({ recordType: "A", relativeRecordSetName: "*" });
  });
});

describe("the WAF outside prod", () => {
  // Refused in dev and test, and refused off in prod: tests/network.test.ts "WAF overrides".
  it("turned on (the committed staging stack): the environment becomes internal and the gateway fronts the backend", async () => {
    const { index, config } = await planOk("staging");
    expect(config.decisions.waf).toEqual({ value: true, source: "override" });
    const e = index.one("azure-native:app:ManagedEnvironment").newState.inputs;
    expect((e.vnetConfiguration as { internal: boolean }).internal).toBe(true);
    expect(
      index.one("azure-native:network:WebApplicationFirewallPolicy").newState.inputs.policySettings,
    ).toMatchObject({
      mode: "Prevention",
    });
    // staging holds production data: the availability row spreads the gateway over zones.
    expect(gw(index).zones).toEqual(["1", "2", "3"]);
  });
});
