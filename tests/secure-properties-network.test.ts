import { PlanIndex } from "../scripts/offline/plan-index";
import { inputs, T } from "./helpers/data";
import { SETTINGS } from "../src/matrix";
import { ENVIRONMENTS, Environment, planOk } from "./helpers/plan";
import { ACA_STACKS, AKS_STACKS } from "./helpers/variants";
import { appEnvVar, appWorkload } from "./helpers/workloads";

/**
 * Secure-by-default inputs of the network and runtime (issue 14, "Secure properties no test pins"):
 * every NSG rule as written, Container Apps ingress and CORS, the Container Apps environment's
 * private DNS, the Static Web App, and the App Gateway WAF. Each value is written out here and
 * checked in all five plans. Properties other test files already pin (allowInsecure, transport,
 * sslPolicy, the WAF mode, ...) are not repeated unless a whole object is compared. Container Apps
 * resources are checked on the stacks that run on Container Apps (the matrix's runtime row); prod
 * runs on AKS, whose node subnet, its NSG and workloads are pinned in tests/aks-network.test.ts and
 * tests/aks-workloads.test.ts.
 */

const CONTAINER_APP = "azure-native:app:ContainerApp";
const GATEWAY = "azure-native:network:ApplicationGateway";
const WAF_POLICY = "azure-native:network:WebApplicationFirewallPolicy";
const STATIC_SITE = "azure-native:web:StaticSite";

/** The first two octets of each environment's address space (Pulumi.<env>.yaml). */
const NET: Record<Environment, string> = {
  dev: "10.10",
  test: "10.20",
  uat: "10.30",
  staging: "10.40",
  prod: "10.50",
};
/** Where the WAF is the public entry: prod always, staging by its stack file. */
const WAF: Record<Environment, boolean> = { dev: false, test: false, uat: false, staging: true, prod: true };
/**
 * The admin allowlist of the Temporal UI (none in prod: internal only; prod runs on AKS, where the
 * UI has no ingress at all: tests/aks-network-policies.test.ts).
 */
const UI_ALLOWLIST: Record<Environment, string[]> = {
  dev: ["203.0.113.0/24"],
  test: ["203.0.113.0/24"],
  uat: ["203.0.113.0/24"],
  staging: ["203.0.113.0/24"],
  prod: [],
};

const rulesOf = (index: PlanIndex, key: string) =>
  (inputs(index.one(T.nsg, `network-${key}-nsg`)).securityRules as Record<string, unknown>[]).map((r) => [
    r.name,
    r.priority,
    r.direction,
    r.access,
    r.protocol,
    r.sourceAddressPrefix,
    r.sourcePortRange,
    r.destinationAddressPrefix,
    r.destinationPortRange,
  ]);

const DENY_ALL = ["deny-all-inbound", 4096, "Inbound", "Deny", "*", "*", "*", "*", "*"];

const ingressOf = (index: PlanIndex, app: string) =>
  inputs(index.one(CONTAINER_APP, `${app}-app`)).configuration.ingress;

/** The subnet the runtime's workloads sit in (the aca or the aks subnet), by the matrix's default. */
const RUNTIME_SUBNET = (env: Environment) => SETTINGS.runtime.defaults[env];

// The aks node subnet's NSG (prod): tests/aks-network.test.ts "admits to the nodes only ...".
describe.each(ACA_STACKS)("the aca subnet's NSG rules in %s", (env) => {
  it(`aca: VNet and load balancer in${WAF[env] ? "" : ", HTTPS from the Internet"}, everything else denied`, async () => {
    const { index } = await planOk(env);
    expect(rulesOf(index, "aca")).toEqual([
      ["allow-vnet-inbound", 100, "Inbound", "Allow", "*", "VirtualNetwork", "*", "*", "*"],
      ["allow-azure-lb", 110, "Inbound", "Allow", "*", "AzureLoadBalancer", "*", "*", "*"],
      ...(WAF[env]
        ? []
        : [["allow-https-internet", 120, "Inbound", "Allow", "Tcp", "Internet", "*", "*", "443"]]),
      DENY_ALL,
    ]);
  });
});

describe.each(ENVIRONMENTS)("NSG rules in %s", (env) => {
  const net = NET[env];

  it(`private-endpoints: TCP 443 and 5432 from the ${RUNTIME_SUBNET(env)} subnet only, everything else denied`, async () => {
    const { index, config } = await planOk(env);
    // The runtime's subnet takes the same slot (the first /23) on both runtimes.
    const rt = config.decisions.runtime.value;
    expect(rt).toBe(RUNTIME_SUBNET(env));
    expect(rulesOf(index, "privateEndpoints")).toEqual([
      [`allow-${rt}-https`, 100, "Inbound", "Allow", "Tcp", `${net}.0.0/23`, "*", "*", "443"],
      [`allow-${rt}-postgres`, 110, "Inbound", "Allow", "Tcp", `${net}.0.0/23`, "*", "*", "5432"],
      DENY_ALL,
    ]);
  });

  it(
    WAF[env]
      ? "appgw: gateway manager, load balancer, HTTPS 443 and HTTP 80 (redirected) in, everything else denied"
      : "has no appgw NSG",
    async () => {
      const { index } = await planOk(env);
      if (!WAF[env]) {
        expect(index.ofType(T.nsg).map((n) => index.logicalName(n))).not.toContain("network-appgw-nsg");
        return;
      }
      expect(rulesOf(index, "appgw")).toEqual([
        ["allow-gateway-manager", 100, "Inbound", "Allow", "Tcp", "GatewayManager", "*", "*", "65200-65535"],
        ["allow-azure-lb", 110, "Inbound", "Allow", "*", "AzureLoadBalancer", "*", "*", "*"],
        ["allow-https-internet", 120, "Inbound", "Allow", "Tcp", "Internet", "*", "*", "443"],
        ["allow-http-internet", 130, "Inbound", "Allow", "Tcp", "Internet", "*", "*", "80"],
        DENY_ALL,
      ]);
    },
  );

  it("no NSG has an outbound rule or an allow rule below priority 100", async () => {
    const { index } = await planOk(env);
    for (const nsg of index.ofType(T.nsg))
      for (const r of inputs(nsg).securityRules as { direction: string; priority: number }[]) {
        expect(r.direction).toBe("Inbound");
        expect(r.priority).toBeGreaterThanOrEqual(100);
      }
  });
});

describe.each(ACA_STACKS)("Container Apps ingress in %s", (env) => {
  const traffic = [{ latestRevision: true, weight: 100 }];

  it("the backend's CORS policy sends no credentials, a fixed method and header list, and a one-hour max age", async () => {
    const { index } = await planOk(env);
    const { allowedOrigins, ...policy } = ingressOf(index, "backend").corsPolicy;
    expect(Array.isArray(allowedOrigins)).toBe(true);
    expect(policy).toEqual({
      allowCredentials: false,
      allowedMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowedHeaders: ["Authorization", "Content-Type", "Accept", "Mcp-Session-Id", "X-Correlation-Id"],
      maxAge: 3600,
    });
  });

  it("the backend's ingress: external, HTTP to 8000 upgraded to HTTPS, client certificates ignored, no IP rules", async () => {
    const { index } = await planOk(env);
    const { corsPolicy, ...ingress } = ingressOf(index, "backend");
    expect(corsPolicy).toBeDefined();
    expect(ingress).toEqual({
      external: true,
      targetPort: 8000,
      transport: "http",
      allowInsecure: false,
      clientCertificateMode: "ignore",
      traffic,
      ipSecurityRestrictions: [],
    });
  });

  it("zep's ingress: internal HTTP on 8000, no CORS", async () => {
    const { index } = await planOk(env);
    expect(ingressOf(index, "zep")).toEqual({
      external: false,
      targetPort: 8000,
      transport: "http",
      allowInsecure: false,
      clientCertificateMode: "ignore",
      traffic,
      ipSecurityRestrictions: [],
    });
  });

  it("temporal's ingress: internal TCP 7233, no client-certificate mode (TCP), no CORS", async () => {
    const { index } = await planOk(env);
    expect(ingressOf(index, "temporal")).toEqual({
      external: false,
      targetPort: 7233,
      exposedPort: 7233,
      transport: "tcp",
      allowInsecure: false,
      traffic,
      ipSecurityRestrictions: [],
    });
  });

  it(`the Temporal UI's ingress: internal HTTP on 8080, ${UI_ALLOWLIST[env].length ? "admitting the admin allowlist only" : "no allowlist"}`, async () => {
    const { index } = await planOk(env);
    expect(ingressOf(index, "temporal-ui")).toEqual({
      external: false,
      targetPort: 8080,
      transport: "http",
      allowInsecure: false,
      clientCertificateMode: "ignore",
      traffic,
      ipSecurityRestrictions: UI_ALLOWLIST[env].map((cidr, i) => ({
        name: `allow-${i}`,
        action: "Allow",
        ipAddressRange: cidr,
        description: "admin IP allowlist (SOP 000: admin surfaces restricted by IP)",
      })),
    });
  });

  it("Temporal connects to Postgres over TLS, and the backend and worker reach Zep over https", async () => {
    const { index } = await planOk(env);
    const envOf = (app: string) =>
      inputs(index.one(CONTAINER_APP, `${app}-app`)).template.containers[0].env as {
        name: string;
        value?: string;
      }[];
    expect(envOf("temporal").find((e) => e.name === "SQL_TLS_ENABLED")).toEqual({
      name: "SQL_TLS_ENABLED",
      value: "true",
    });
    for (const app of ["backend", "worker"])
      expect(envOf(app).find((e) => e.name === "ZEP_API_URL")?.value).toMatch(
        new RegExp(
          `^https://ca-engram-${env}-zep\\.internal\\.[a-z0-9-]+\\.westeurope\\.azurecontainerapps\\.io$`,
        ),
      );
  });

  it("the worker has no ingress, and every app runs one revision at a time", async () => {
    const { index } = await planOk(env);
    expect(ingressOf(index, "worker")).toBeUndefined();
    const apps = index.ofType(CONTAINER_APP);
    expect(apps).toHaveLength(5);
    for (const a of apps) expect(inputs(a).configuration.activeRevisionsMode).toBe("Single");
  });
});

describe.each(AKS_STACKS)("the AKS workloads' connections in %s", (env) => {
  it("Temporal connects to Postgres over TLS, and the backend and worker reach Zep at its ClusterIP Service", async () => {
    const { index } = await planOk(env);
    expect(appEnvVar(appWorkload(index, "aks", "temporal"), "SQL_TLS_ENABLED")).toEqual({
      name: "SQL_TLS_ENABLED",
      value: "true",
    });
    // HTTP inside the namespace, gated by the network policies (docs/aks.md "No service mesh").
    for (const app of ["backend", "worker"])
      expect(appEnvVar(appWorkload(index, "aks", app), "ZEP_API_URL")?.value).toBe(
        "http://zep.engram.svc.cluster.local:8000",
      );
  });
});

describe.each(ACA_STACKS)("the Container Apps environment in %s", (env) => {
  it(
    WAF[env]
      ? "the internal environment's private zone is linked to the VNet without auto-registration"
      : "the environment has no private zone (it is not internal)",
    async () => {
      const { index } = await planOk(env);
      const mine = index.descendants(index.one("engram:runtime:ContainerAppsEnvironment").urn);
      const links = mine.filter((m) => m.newState.type === T.link).map(inputs);
      if (!WAF[env]) {
        expect(links).toEqual([]);
        return;
      }
      expect(links).toHaveLength(1);
      expect(links[0].registrationEnabled).toBe(false);
      expect(links[0].virtualNetworkLinkName).toBe(`cae-engram-${env}-vnet`);
    },
  );
});

describe.each(ENVIRONMENTS)("the Static Web App in %s", (env) => {
  it("the Static Web App is public (the SPA) with the enterprise-grade edge off, config-file updates on and previews off", async () => {
    const { index } = await planOk(env);
    expect(inputs(index.one(STATIC_SITE))).toMatchObject({
      publicNetworkAccess: "Enabled",
      enterpriseGradeCdnStatus: "Disabled",
      allowConfigFileUpdates: true,
      stagingEnvironmentPolicy: "Disabled",
    });
  });
});

describe.each(ENVIRONMENTS)("the App Gateway WAF in %s", (env) => {
  it(
    WAF[env]
      ? "the policy inspects and enforces request bodies (128 KB) and file uploads (100 MB)"
      : "has no WAF policy",
    async () => {
      const { index } = await planOk(env);
      const policies = index.ofType(WAF_POLICY);
      expect(policies).toHaveLength(WAF[env] ? 1 : 0);
      if (!WAF[env]) return;
      expect(inputs(policies[0]).policySettings).toEqual({
        state: "Enabled",
        mode: "Prevention",
        requestBodyCheck: true,
        requestBodyEnforcement: true,
        maxRequestBodySizeInKb: 128,
        fileUploadEnforcement: true,
        fileUploadLimitInMb: 100,
      });
    },
  );

  it(
    WAF[env]
      ? "the MCP rate limit is 300 per minute per client address, matched case- and encoding-insensitively"
      : "has no rate-limit rule",
    async () => {
      const { index } = await planOk(env);
      if (!WAF[env]) {
        expect(index.ofType(WAF_POLICY)).toEqual([]);
        return;
      }
      expect(inputs(index.one(WAF_POLICY)).customRules).toEqual([
        {
          name: "RateLimitMcp",
          priority: 10,
          ruleType: "RateLimitRule",
          state: "Enabled",
          action: "Block",
          rateLimitDuration: "OneMin",
          rateLimitThreshold: 300,
          groupByUserSession: [{ groupByVariables: [{ variableName: "ClientAddr" }] }],
          matchConditions: [
            {
              matchVariables: [{ variableName: "RequestUri" }],
              operator: "BeginsWith",
              matchValues: ["/api/v1/mcp"],
              transforms: ["Lowercase", "UrlDecode"],
            },
          ],
        },
      ]);
    },
  );

  it(
    WAF[env]
      ? "the gateway forces its policy, speaks HTTP/2, redirects HTTP permanently with path and query, and keeps no session affinity"
      : "has no gateway",
    async () => {
      const { index, config } = await planOk(env);
      const gateways = index.ofType(GATEWAY);
      expect(gateways).toHaveLength(WAF[env] ? 1 : 0);
      if (!WAF[env]) return;
      const g = inputs(gateways[0]);
      expect(g.forceFirewallPolicyAssociation).toBe(true);
      expect(g.enableHttp2).toBe(true);
      expect(g.sslPolicy).toEqual({ policyType: "Predefined", policyName: "AppGwSslPolicy20220101S" });
      expect(g.redirectConfigurations).toEqual([
        {
          name: "http-to-https",
          redirectType: "Permanent",
          targetListener: { id: expect.stringMatching(/\/httpListeners\/https$/) },
          includePath: true,
          includeQueryString: true,
        },
      ]);
      // HTTPS to the Container App's FQDN on ACA; HTTP to the backend Service's internal load
      // balancer on AKS (TLS ends at the gateway, docs/aks.md "No service mesh").
      const aks = config.decisions.runtime.value === "aks";
      const [settings] = g.backendHttpSettingsCollection;
      expect(settings).toMatchObject({
        name: aks ? "backend-http" : "backend-https",
        protocol: aks ? "Http" : "Https",
        port: aks ? 80 : 443,
        cookieBasedAffinity: "Disabled",
        requestTimeout: 120,
      });
      expect(g.probes).toEqual([
        {
          name: "backend-health",
          protocol: aks ? "Http" : "Https",
          path: "/health",
          interval: 30,
          timeout: 30,
          unhealthyThreshold: 3,
          pickHostNameFromBackendHttpSettings: true,
          match: { statusCodes: ["200-399"] },
        },
      ]);
      expect(g.identity.type).toBe("UserAssigned");
    },
  );
});

/**
 * Service endpoints on the runtime's subnet (aca, or aks in prod): lower environments reach the vault
 * and Storage through their firewalls.
 */
const ACA_SERVICE_ENDPOINTS: Record<Environment, string[]> = {
  dev: ["Microsoft.KeyVault", "Microsoft.Storage"],
  test: ["Microsoft.KeyVault", "Microsoft.Storage"],
  uat: [],
  staging: [],
  prod: [],
};

/** Where Temporal runs with mTLS (its own PKI): prod always, elsewhere when a stack file turns it on. */
const TEMPORAL_MTLS: Record<Environment, boolean> = {
  dev: false,
  test: false,
  uat: false,
  staging: false,
  prod: true,
};

describe.each(ENVIRONMENTS)("subnets and the Temporal PKI in %s", (env) => {
  it(`the ${RUNTIME_SUBNET(env)} subnet has the service endpoints ${JSON.stringify(ACA_SERVICE_ENDPOINTS[env])} only`, async () => {
    const { index } = await planOk(env);
    const subnet = inputs(index.one(T.subnet, `network-${RUNTIME_SUBNET(env)}-snet`));
    // None is written as no property at all (the aks subnet) or an empty list (the aca subnet).
    expect(subnet.serviceEndpoints ?? []).toEqual(ACA_SERVICE_ENDPOINTS[env].map((service) => ({ service })));
  });

  it(
    TEMPORAL_MTLS[env]
      ? "every Temporal key is ECDSA P-256; the CA signs only certificates and CRLs for a year, renewed 30 days early"
      : "has no Temporal PKI",
    async () => {
      const { index } = await planOk(env);
      const keys = index.ofType("tls:index/privateKey:PrivateKey");
      const ca = index.ofType("tls:index/selfSignedCert:SelfSignedCert");
      expect(keys).toHaveLength(TEMPORAL_MTLS[env] ? 4 : 0);
      expect(ca).toHaveLength(TEMPORAL_MTLS[env] ? 1 : 0);
      if (!TEMPORAL_MTLS[env]) return;
      for (const k of keys) expect(inputs(k)).toEqual({ algorithm: "ECDSA", ecdsaCurve: "P256" });
      expect(inputs(ca[0])).toMatchObject({
        isCaCertificate: true,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        validityPeriodHours: 8760,
        earlyRenewalHours: 720,
      });
    },
  );

  it(
    TEMPORAL_MTLS[env]
      ? "the server certificate serves and authenticates; the worker and UI certificates only authenticate; each lives 104 days, renewed 14 days early"
      : "has no Temporal leaf certificate",
    async () => {
      const { index } = await planOk(env);
      const leaves = index.ofType("tls:index/locallySignedCert:LocallySignedCert");
      const uses = Object.fromEntries(leaves.map((l) => [index.logicalName(l), inputs(l).allowedUses]));
      expect(uses).toEqual(
        TEMPORAL_MTLS[env]
          ? {
              "temporal-tls-server-cert": ["digital_signature", "server_auth", "client_auth"],
              "temporal-tls-worker-cert": ["digital_signature", "client_auth"],
              "temporal-tls-ui-cert": ["digital_signature", "client_auth"],
            }
          : {},
      );
      for (const l of leaves)
        expect(inputs(l)).toMatchObject({ validityPeriodHours: 2496, earlyRenewalHours: 336 });
    },
  );
});
