import type { PlanStep } from "../scripts/offline/plan";
import { PlanIndex } from "../scripts/offline/plan-index";
import { Environment, PlanChange, planOk } from "./helpers/plan";
import { TLS_READERS } from "./helpers/tls-readers";
import { ACA_STACKS, PROD_LIKE_ACA, PROD_LIKE_ACA_STACK } from "./helpers/variants";
import { appEnvVar, appWorkload } from "./helpers/workloads";

/**
 * The runtime around the apps: the Container Apps environment (DESIGN.md §6), peer encryption and
 * Temporal mTLS per the matrix (§1), the Static Web App and its hostname in CORS and the SPA
 * redirect URIs (§2, §5), and the rotation stamp that gives a rotated secret a new revision (§3).
 * The Container Apps environment is checked on the stacks that run on Container Apps (the matrix's
 * runtime row); Temporal mTLS, which only prod has by default, on prod's AKS plan and on staging
 * with prod's settings on Container Apps (PROD_LIKE_ACA).
 */

const HIGHER = ["uat", "staging", "prod"];
const managedEnv = (index: PlanIndex) => index.one("azure-native:app:ManagedEnvironment");
const app = (index: PlanIndex, a: string) => index.one("azure-native:app:ContainerApp", `${a}-app`);
type Env = { name: string; value?: string; secretRef?: string };
const envOf = (s: PlanStep) =>
  (s.newState.inputs.template as { containers: { env: Env[] }[] }).containers[0].env;
const secretNames = (s: PlanStep) =>
  (s.newState.inputs.configuration as { secrets: { name: string }[] }).secrets.map((x) => x.name);

describe.each(ACA_STACKS)("the Container Apps environment in %s", (env: Environment) => {
  it("sits in the aca subnet, logs to azure-monitor without a shared key, runs the Consumption profile", async () => {
    const { index } = await planOk(env);
    const e = managedEnv(index).newState.inputs;
    const aca = index
      .ofType("azure-native:network:Subnet")
      .find(
        (s) =>
          (s.newState.inputs.delegations as { serviceName: string }[] | undefined)?.[0]?.serviceName ===
          "Microsoft.App/environments",
      );
    expect(aca).toBeDefined();
    const subnetId = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-${env}/providers/Microsoft.Network/virtualNetworks/${aca!.newState.inputs.virtualNetworkName as string}/subnets/${aca!.newState.inputs.subnetName as string}`;
    expect((e.vnetConfiguration as { infrastructureSubnetId: string }).infrastructureSubnetId).toBe(subnetId);
    expect(e.appLogsConfiguration).toEqual({ destination: "azure-monitor" });
    expect(JSON.stringify(e)).not.toMatch(/sharedKey|logAnalyticsConfiguration/);
    expect(e.workloadProfiles).toEqual([{ name: "Consumption", workloadProfileType: "Consumption" }]);
    expect(e.zoneRedundant).toBe(env === "staging" || env === "prod");
  });

  it("is internal (no public IP, private DNS zone for its domain) exactly when the WAF is on", async () => {
    const { index, config } = await planOk(env);
    const e = managedEnv(index);
    const internal = config.decisions.waf.value;
    expect((e.newState.inputs.vnetConfiguration as { internal: boolean }).internal).toBe(internal);
    expect(e.newState.inputs.publicNetworkAccess).toBe(internal ? "Disabled" : "Enabled");
    const zones = index.descendants(index.one("engram:runtime:ContainerAppsEnvironment").urn);
    expect(zones.some((z) => z.newState.type === "azure-native:privatedns:PrivateZone")).toBe(internal);
  });

  it("encrypts peer traffic (mTLS between apps) per the matrix: on in uat, staging, prod", async () => {
    const { index } = await planOk(env);
    expect(managedEnv(index).newState.inputs.peerTrafficConfiguration).toEqual({
      encryption: { enabled: HIGHER.includes(env) },
    });
  });

  it("every app runs in this environment", async () => {
    const { index } = await planOk(env);
    const envId = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-${env}/providers/Microsoft.App/managedEnvironments/cae-engram-${env}`;
    for (const s of index.ofType("azure-native:app:ContainerApp"))
      expect(s.newState.inputs.environmentId).toBe(envId);
  });

  it("Temporal mTLS per the matrix: always in prod, as configured elsewhere", async () => {
    const { index, config } = await planOk(env);
    const on = config.decisions.temporalMtls.value;
    expect(index.ofType("tls:index/selfSignedCert:SelfSignedCert")).toHaveLength(on ? 1 : 0);
    expect(secretNames(app(index, "temporal")).some((n) => n.startsWith("temporal-tls-"))).toBe(on);
    expect(envOf(app(index, "temporal")).some((e) => e.name === "TEMPORAL_TLS_REQUIRE_CLIENT_AUTH")).toBe(on);
  });

  it("the SWA is Standard with previews off, and its hostname is in the backend's CORS origins and the SPA redirect URIs", async () => {
    const { index } = await planOk(env);
    const site = index.one("azure-native:web:StaticSite").newState.inputs;
    expect(site).toMatchObject({
      sku: { name: "Standard", tier: "Standard" },
      stagingEnvironmentPolicy: "Disabled",
      allowConfigFileUpdates: true,
      name: `stapp-engram-${env}`,
    });
    const origin = `https://${index.stackOutputs.webHostname as string}`;
    expect(origin).toMatch(/^https:\/\/[a-z0-9-]+\.\d\.azurestaticapps\.net$/);
    const cors = envOf(app(index, "backend"))
      .find((e) => e.name === "CORS_ORIGINS")
      ?.value?.split(",");
    expect(cors).toContain(origin);
    const spa = index.one("azuread:index/application:Application", "entra-spa-app").newState.inputs as {
      singlePageApplication: { redirectUris: string[] };
    };
    expect(spa.singlePageApplication.redirectUris).toContain(origin);
  });

  it("hands the managed environment to observability: it has a diagnostic setting", async () => {
    const { index } = await planOk(env);
    const envId = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-${env}/providers/Microsoft.App/managedEnvironments/cae-engram-${env}`;
    const diag = index
      .ofType("azure-native:monitor:DiagnosticSetting")
      .filter((d) => d.newState.inputs.resourceUri === envId);
    expect(diag).toHaveLength(1);
  });
});

// The overrides (peer encryption and Temporal mTLS refused off, Temporal mTLS turned on in uat) are
// in tests/temporal-ui-mtls.test.ts, which plans that variant anyway.

describe("prod's settings on Container Apps (PROD_LIKE_ACA: staging with the WAF and Temporal mTLS on)", () => {
  it("the environment is internal behind the WAF, with Temporal mTLS on the temporal app", async () => {
    const { index, config } = await planOk(PROD_LIKE_ACA_STACK, PROD_LIKE_ACA);
    expect(config.decisions.waf.value).toBe(true);
    expect(config.decisions.temporalMtls.value).toBe(true);
    const e = managedEnv(index).newState.inputs;
    expect((e.vnetConfiguration as { internal: boolean }).internal).toBe(true);
    expect(e.publicNetworkAccess).toBe("Disabled");
    expect(index.ofType("tls:index/selfSignedCert:SelfSignedCert")).toHaveLength(1);
    expect(envOf(app(index, "temporal")).some((e) => e.name === "TEMPORAL_TLS_REQUIRE_CLIENT_AUTH")).toBe(
      true,
    );
  });
});

describe("prod on AKS: the matrix's WAF and Temporal mTLS decisions", () => {
  it("are on (both refused off in prod), and the Temporal Deployment requires client certificates", async () => {
    const { index, config } = await planOk("prod");
    expect(config.decisions.runtime.value).toBe("aks");
    expect(config.decisions.waf.value).toBe(true);
    expect(config.decisions.temporalMtls.value).toBe(true);
    expect(index.ofType("azure-native:app:ManagedEnvironment")).toEqual([]);
    expect(index.ofType("tls:index/selfSignedCert:SelfSignedCert")).toHaveLength(1);
    expect(appEnvVar(appWorkload(index, "aks", "temporal"), "TEMPORAL_TLS_REQUIRE_CLIENT_AUTH")).toEqual({
      name: "TEMPORAL_TLS_REQUIRE_CLIENT_AUTH",
      value: "true",
    });
  });
});

/**
 * Temporal mTLS where it is on: prod on AKS (the committed plan) and staging with prod's settings on
 * Container Apps. The server certificate names what clients dial on each runtime.
 */
const MTLS_CASES: [string, Environment, PlanChange, "aca" | "aks", RegExp[]][] = [
  [
    "prod on AKS",
    "prod",
    {},
    "aks",
    [/^temporal\.engram\.svc\.cluster\.local$/, /^temporal$/, /^temporal\.engram$/],
  ],
  [
    "staging with prod's settings on Container Apps",
    PROD_LIKE_ACA_STACK,
    PROD_LIKE_ACA,
    "aca",
    [
      /^ca-engram-staging-temporal$/,
      /^ca-engram-staging-temporal\.internal\.[a-z0-9-]+\.westeurope\.azurecontainerapps\.io$/,
    ],
  ],
];

describe.each(MTLS_CASES)("Temporal mTLS in %s", (_label, env, change, runtime, serverNames) => {
  it("the CA is a CA, leaves rotate after 90 days (validity 104 d, early renewal 14 d), keys are secret", async () => {
    const { index } = await planOk(env, change);
    const ca = index.one("tls:index/selfSignedCert:SelfSignedCert").newState.inputs;
    expect(ca).toMatchObject({ isCaCertificate: true, privateKeyPem: "[secret]" });
    const leaves = index.ofType("tls:index/locallySignedCert:LocallySignedCert");
    // Server, worker client, Temporal UI client.
    expect(leaves).toHaveLength(3);
    for (const l of leaves) {
      const i = l.newState.inputs as {
        validityPeriodHours: number;
        earlyRenewalHours: number;
        caPrivateKeyPem: string;
      };
      expect(i.validityPeriodHours - i.earlyRenewalHours).toBe(90 * 24);
      expect(i.caPrivateKeyPem).toBe("[secret]");
    }
    for (const csr of index.ofType("tls:index/certRequest:CertRequest"))
      expect(csr.newState.inputs.privateKeyPem).toBe("[secret]");
    const server = index.one("tls:index/certRequest:CertRequest", "temporal-tls-server-csr").newState.inputs;
    const names = server.dnsNames as string[];
    expect(names).toHaveLength(serverNames.length);
    serverNames.forEach((re, i) => expect(names[i]).toMatch(re));
  });

  it("each PEM is a Key Vault secret with an expiry, readable only by its readers", async () => {
    const { index } = await planOk(env, change);
    for (const [name, expected] of Object.entries(TLS_READERS)) {
      const secret = index
        .ofType("azure-native:keyvault:Secret")
        .find((s) => s.newState.inputs.secretName === name);
      expect(secret).toBeDefined();
      const props = secret!.newState.inputs.properties as { value: string; attributes: { expires: number } };
      expect(props.value).toBe("[secret]");
      expect(props.attributes.expires).toBeGreaterThan(0);
      const readers = index
        .ofType("azure-native:authorization:RoleAssignment")
        .filter((g) =>
          (g.newState.inputs.description as string).endsWith(`Key Vault Secrets User on kv-secret:${name}`),
        )
        .map((g) => (g.newState.inputs.description as string).split(" ")[1]);
      expect({ name, readers: readers.sort() }).toEqual({ name, readers: [...expected].sort() });
    }
  });

  it("temporal and worker mount them as files and point Temporal's TLS settings at the files", async () => {
    const { index } = await planOk(env, change);
    if (runtime === "aca") {
      type Tpl = {
        containers: { volumeMounts: { volumeName: string; mountPath: string }[] }[];
        volumes: { name: string; storageType: string; secrets: { path: string; secretRef: string }[] }[];
      };
      const t = app(index, "temporal").newState.inputs.template as Tpl;
      expect(t.volumes).toEqual([
        {
          name: "temporal-tls",
          storageType: "Secret",
          secrets: [
            { path: "ca.pem", secretRef: "temporal-tls-ca" },
            { path: "server.pem", secretRef: "temporal-tls-server-cert" },
            { path: "server.key", secretRef: "temporal-tls-server-key" },
          ],
        },
      ]);
      expect(t.containers[0].volumeMounts).toEqual([
        { volumeName: "temporal-tls", mountPath: "/etc/temporal/tls" },
      ]);
      const w = app(index, "worker").newState.inputs.template as Tpl;
      expect(w.volumes[0].secrets.map((x) => x.secretRef)).toEqual([
        "temporal-tls-ca",
        "temporal-tls-client-cert",
        "temporal-tls-client-key",
      ]);
    }
    // On AKS the files are CSI subPath mounts at the same paths: tests/aks-workloads.test.ts
    // "Temporal mTLS material is mounted as CSI files at the Container Apps paths".
    const envValues = (a: string) =>
      Object.fromEntries(appWorkload(index, runtime, a).env.map((e) => [e.name, e.value]));
    expect(envValues("temporal")).toMatchObject({
      TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: "true",
      TEMPORAL_TLS_SERVER_CERT: "/etc/temporal/tls/server.pem",
      TEMPORAL_TLS_SERVER_KEY: "/etc/temporal/tls/server.key",
      TEMPORAL_TLS_SERVER_CA_CERT: "/etc/temporal/tls/ca.pem",
    });
    expect(envValues("worker").TEMPORAL_TLS_CERT).toBe("/etc/engram/temporal-tls/client.pem");
  });

  it("a certificate rotation changes a non-secret env var, so temporal and worker get new replicas", async () => {
    const { index } = await planOk(env, change);
    for (const a of ["temporal", "worker"]) {
      const w = appWorkload(index, runtime, a);
      const stamp = appEnvVar(w, "ENGRAM_SECRETS_ROTATED");
      // The leaves' issue time (placeholder: the fixed instant of the offline plan).
      expect(stamp?.value).toContain("temporal-tls-ca@2026-01-01T00:00:00Z");
      expect(stamp?.secret).toBeUndefined();
      // The stamp comes from the leaf certificates (they rotate; the CA does not): the template (a
      // Container App's revision template, a Deployment's pod template) depends on every one of
      // them, so re-issuing any leaf changes it: a new revision on ACA, a rollout on AKS.
      for (const leaf of index.ofType("tls:index/locallySignedCert:LocallySignedCert"))
        expect(w.templateDependencies).toContain(leaf.urn);
    }
    expect(index.ofType("tls:index/locallySignedCert:LocallySignedCert")).toHaveLength(3);
  });
});
