import { isSecretLikeEnv } from "../lib/env-vars";
import type { PlanStep } from "../scripts/offline/plan";
import { PlanIndex } from "../scripts/offline/plan-index";
import { PLACEHOLDER_TENANT, placeholderUuid } from "../scripts/offline/placeholders";
import { isHigher } from "../src/matrix";
import { Environment, planOk, planRefused } from "./helpers/plan";
import { ACA_STACKS, DEV_OPTIONS, PROD_OPTIONS, TEST_FED, UAT_OPTIONS } from "./helpers/variants";
import { appWorkload } from "./helpers/workloads";

/**
 * Container Apps (DESIGN.md §2, §3; SOP 002): each app runs as its own identity, reads secrets only
 * through Key Vault references with that identity and `secretRef` env vars, depends on exactly its
 * own grants, and has the ingress of DESIGN.md §2. Run over the stacks that run on Container Apps
 * (the matrix's runtime row); prod runs on AKS, where the same rules are tests/aks-workloads.test.ts.
 */

type Env = { name: string; value?: string; secretRef?: string };
type Secret = { name: string; keyVaultUrl?: string; identity?: string; value?: string };
type Ingress = {
  external: boolean;
  allowInsecure?: boolean;
  transport?: string;
  targetPort?: number;
  exposedPort?: number;
  ipSecurityRestrictions?: { ipAddressRange: string; action: string }[];
  corsPolicy?: { allowedOrigins: string[] };
};
interface AppInputs {
  identity: { type: string; userAssignedIdentities?: string[] };
  configuration: { secrets: Secret[]; registries: { server: string; identity: string }[]; ingress?: Ingress };
  template: {
    containers: {
      image: string;
      env: Env[];
      probes: { type: string; httpGet?: { path: string; port: number } }[];
    }[];
    volumes: { name: string; storageType: string; secrets: { path: string; secretRef: string }[] }[];
    scale: { minReplicas: number; maxReplicas: number };
  };
}

/** The Container Apps, written out (independent of src/layers/runtime.ts). */
const APP_NAMES = ["backend", "worker", "zep", "temporal", "temporal-ui"] as const;
type AppName = (typeof APP_NAMES)[number];
const SERVICE_NAMES = ["backend", "worker", "zep", "temporal"] as const;

/**
 * The Key Vault secrets each service reads in the committed stacks, and the env var each lands in
 * (DESIGN.md §3, README "What the apps can rely on"), written out independently of src/services.ts
 * so a drift there fails here. Backend and worker use Entra auth to Postgres in uat/staging/prod.
 */
function expectedSecretEnv(env: Environment): Record<(typeof SERVICE_NAMES)[number], Record<string, string>> {
  const postgres = { "postgres-password": "POSTGRES_PASSWORD" };
  const shared = { "zep-api-key": "ZEP_API_KEY", "azure-ai-key": "AZURE_AI_KEY" };
  return {
    backend: { ...shared, ...(isHigher(env) ? {} : postgres) },
    worker: { ...shared, ...(isHigher(env) ? {} : postgres) },
    zep: { ...shared, ...postgres },
    temporal: { ...postgres },
  };
}

/** A name whose value must never be plain (independent of the component's own guard). */
const SECRET_LIKE = /(KEY|PASSWORD|PWD|SECRET|TOKEN)$/;
const isSecretLike = (n: string) => SECRET_LIKE.test(n) && !n.includes("_TLS_");

const appStep = (index: PlanIndex, a: AppName): PlanStep =>
  index.one("azure-native:app:ContainerApp", `${a}-app`);
const inputs = (s: PlanStep) => s.newState.inputs as unknown as AppInputs;
const envOf = (s: PlanStep) => inputs(s).template.containers[0].env;
const envVar = (s: PlanStep, n: string) => envOf(s).find((e) => e.name === n);

/** The identity (by ARM id) of each service, from the plan: ServiceIdentity components' MIs. */
function identityOf(index: PlanIndex, service: string): { id: string; urn: string } {
  const mi = index.one("azure-native:managedidentity:UserAssignedIdentity", `id-${service}-mi`);
  const name = mi.newState.inputs.resourceName as string;
  return {
    id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${mi.newState.inputs.resourceGroupName as string}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
    urn: mi.urn,
  };
}

const kvGrantsOf = (index: PlanIndex, service: AppName): PlanStep[] =>
  index
    .ofType("azure-native:authorization:RoleAssignment")
    .filter((g) =>
      (g.newState.inputs.description as string).startsWith(
        `engram-infra: ${service} -> Key Vault Secrets User on `,
      ),
    );

describe.each(ACA_STACKS)("Container Apps in %s", (env: Environment) => {
  it("every app runs as its own user-assigned identity, and pulls from the ACR with it (no password)", async () => {
    const { index } = await planOk(env);
    for (const a of APP_NAMES) {
      const s = appStep(index, a);
      const own = identityOf(index, a).id;
      expect(inputs(s).identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [own] });
      expect(inputs(s).configuration.registries).toEqual([
        { server: "crengramshared.azurecr.io", identity: own },
      ]);
    }
  });

  it("every configuration secret is a versionless Key Vault reference with the app's identity and no value", async () => {
    const { index } = await planOk(env);
    const vault = index.one("azure-native:keyvault:Vault").newState.inputs.vaultName as string;
    for (const a of APP_NAMES) {
      const s = appStep(index, a);
      const own = identityOf(index, a).id;
      for (const secret of inputs(s).configuration.secrets) {
        expect(secret).toEqual({
          name: secret.name,
          keyVaultUrl: `https://${vault}.vault.azure.net/secrets/${secret.name}`,
          identity: own,
        });
        expect(secret.value).toBeUndefined();
      }
    }
  });

  it("each service references exactly the vault secrets of DESIGN.md §3, each as its env var's secretRef", async () => {
    const { index } = await planOk(env);
    const expected = expectedSecretEnv(env);
    for (const service of SERVICE_NAMES) {
      const s = appStep(index, service);
      const referenced = inputs(s)
        .configuration.secrets.map((x) => x.name)
        .filter((n) => !n.startsWith("temporal-tls-"));
      expect({ service, secrets: referenced.sort() }).toEqual({
        service,
        secrets: Object.keys(expected[service]).sort(),
      });
      for (const [secret, name] of Object.entries(expected[service]))
        expect(envVar(s, name)).toEqual({ name, secretRef: secret });
    }
    // The UI reads no service secret (its Temporal mTLS certificate: tests/temporal-ui-mtls.test.ts).
    expect(
      inputs(appStep(index, "temporal-ui")).configuration.secrets.filter(
        (x) => !x.name.startsWith("temporal-tls-"),
      ),
    ).toEqual([]);
  });

  it("every secret-like env var is a secretRef to a secret the app references; none has a plain value", async () => {
    const { index } = await planOk(env);
    for (const a of APP_NAMES) {
      const s = appStep(index, a);
      const names = new Set(inputs(s).configuration.secrets.map((x) => x.name));
      for (const e of envOf(s)) {
        if (e.secretRef !== undefined) {
          expect(e.value).toBeUndefined();
          expect(names.has(e.secretRef)).toBe(true);
        }
        if (isSecretLike(e.name)) expect(e).toEqual({ name: e.name, secretRef: expect.any(String) });
      }
    }
  });

  it("AZURE_CLIENT_ID is the service's own MI client id and AZURE_AD_CLIENT_ID the API app registration's", async () => {
    const { index } = await planOk(env);
    // Follow the placeholders: a client id is derived from the URN of the resource that owns it.
    const apiApp = index.one("azuread:index/application:Application", "entra-api-app");
    const apiClientId = placeholderUuid(apiApp.urn, "clientId");
    const miClientId = (service: string) => placeholderUuid(identityOf(index, service).urn, "clientId");
    for (const service of SERVICE_NAMES) {
      const s = appStep(index, service);
      expect(envVar(s, "AZURE_CLIENT_ID")).toEqual({ name: "AZURE_CLIENT_ID", value: miClientId(service) });
      if (service === "backend" || service === "worker") {
        expect(envVar(s, "AZURE_AD_CLIENT_ID")).toEqual({ name: "AZURE_AD_CLIENT_ID", value: apiClientId });
        expect(apiClientId).not.toBe(miClientId(service));
        expect(envVar(s, "AZURE_TENANT_ID")?.value).toBe(PLACEHOLDER_TENANT);
      } else expect(envVar(s, "AZURE_AD_CLIENT_ID")).toBeUndefined();
    }
    expect(envVar(appStep(index, "temporal-ui"), "AZURE_CLIENT_ID")).toBeUndefined();
  });

  it("each app depends on exactly its own role assignments: its Key Vault secret grants and its AcrPull", async () => {
    const { index } = await planOk(env);
    for (const a of APP_NAMES) {
      const s = appStep(index, a);
      const deps = s.newState.dependencies.filter(
        (u) => index.get(u)?.newState.type === "azure-native:authorization:RoleAssignment",
      );
      const kv = kvGrantsOf(index, a).map((g) => g.urn);
      const acr = index
        .ofType("azure-native:authorization:RoleAssignment")
        .filter((g) => g.newState.inputs.description === `engram-infra: ${a} -> AcrPull on acr`)
        .map((g) => g.urn);
      expect(acr).toHaveLength(1);
      expect(deps.sort()).toEqual([...kv, ...acr].sort());
      expect(kv.length).toBe(inputs(s).configuration.secrets.length);
    }
  });

  it("ingress: backend on 8000 over HTTPS only, zep internal HTTP, temporal internal TCP 7233, worker none, UI internal", async () => {
    const { index, config } = await planOk(env);
    const ing = (a: AppName) => inputs(appStep(index, a)).configuration.ingress;
    expect(ing("backend")).toMatchObject({
      external: true,
      targetPort: 8000,
      transport: "http",
      allowInsecure: false,
    });
    expect(ing("zep")).toMatchObject({ external: false, transport: "http", allowInsecure: false });
    expect(ing("temporal")).toMatchObject({
      external: false,
      transport: "tcp",
      targetPort: 7233,
      exposedPort: 7233,
      allowInsecure: false,
    });
    expect(ing("worker")).toBeUndefined();
    expect(ing("temporal-ui")).toMatchObject({ external: false, allowInsecure: false });
    // Every Container Apps stack admits the admin allowlist to the UI (FIXED.temporalUiAllowlist).
    // Prod, the one stack without it, runs on AKS, where the UI has no ingress at all: a ClusterIP
    // Service (tests/aks-workloads.test.ts "Services") that no network policy admits anything to
    // (tests/aks-network-policies.test.ts "allow exactly the paths").
    expect(config.fixed.temporalUiAllowlist).toBe(true);
    expect(config.adminIpAllowlist.length).toBeGreaterThan(0);
    const allow = (ing("temporal-ui")?.ipSecurityRestrictions ?? []).map((r) => [r.action, r.ipAddressRange]);
    expect(allow).toEqual(config.adminIpAllowlist.map((c) => ["Allow", c]));
    for (const a of APP_NAMES) expect(ing(a)?.allowInsecure ?? false).toBe(false);
  });

  it("CORS: the env frontends, the SWA origin, localhost only in dev/test; never *; same list in CORS_ORIGINS", async () => {
    const { index, config } = await planOk(env);
    const backend = appStep(index, "backend");
    const swa = `https://${index.stackOutputs.webHostname as string}`;
    expect(swa).toMatch(/^https:\/\/[a-z0-9-]+\.\d\.azurestaticapps\.net$/);
    const origins = inputs(backend).configuration.ingress?.corsPolicy?.allowedOrigins ?? [];
    expect(origins).toContain(swa);
    for (const o of config.frontendOrigins) expect(origins).toContain(o);
    expect(origins.some((o) => o.includes("*"))).toBe(false);
    expect(origins.some((o) => o.includes("localhost"))).toBe(["dev", "test"].includes(env));
    expect(envVar(backend, "CORS_ORIGINS")?.value?.split(",")).toEqual(origins);
    if (["uat", "staging", "prod"].includes(env))
      expect(origins.every((o) => o.startsWith("https://"))).toBe(true);
  });

  it("the backend gets AUTH_REQUIRED and ALLOW_DEV_TOKENS from the matrix, probes /health on 8000 and the env's replicas", async () => {
    const { index, config } = await planOk(env);
    const backend = appStep(index, "backend");
    expect(envVar(backend, "AUTH_REQUIRED")?.value).toBe(String(config.decisions.authRequired.value));
    expect(envVar(backend, "ALLOW_DEV_TOKENS")?.value).toBe(String(config.decisions.allowDevTokens.value));
    // Refused on in higher environments (the config tests prove the refusal).
    if (["uat", "staging", "prod"].includes(env))
      expect(envVar(backend, "ALLOW_DEV_TOKENS")?.value).toBe("false");
    const probes = inputs(backend).template.containers[0].probes;
    expect(probes.map((p) => [p.type, p.httpGet?.path, p.httpGet?.port])).toEqual([
      ["Liveness", "/health", 8000],
      ["Readiness", "/health", 8000],
    ]);
    expect(inputs(backend).template.scale).toEqual({
      minReplicas: config.fixed.replicas.min,
      maxReplicas: config.fixed.replicas.max,
    });
    expect(inputs(appStep(index, "temporal")).template.scale.minReplicas).toBe(1);
  });

  it("images come from config", async () => {
    const { index, config } = await planOk(env);
    const key = {
      backend: "backend",
      worker: "worker",
      zep: "zep",
      temporal: "temporal",
      "temporal-ui": "temporalUi",
    } as const;
    for (const a of APP_NAMES)
      expect(inputs(appStep(index, a)).template.containers[0].image).toBe(config.images[key[a]]);
  });
});

describe("images are pinned by digest in higher environments", () => {
  it.each(["uat", "staging", "prod"] as const)(
    "an image without a digest is refused in %s, with its exact message",
    async (env) => {
      const tagOnly = "crengramshared.azurecr.io/engram/backend:1.4.0";
      const { config } = await planOk(env);
      const problems = await planRefused(env, {
        set: { "engram:images": { ...config.images, backend: tagOnly } },
      });
      expect(problems).toEqual([
        `engram:images.backend=${tagOnly} is not allowed in ${env}: images are pinned by digest (@sha256:...) in uat, staging and prod (DESIGN.md §1)`,
      ]);
    },
  );

  it("a tag is accepted in dev and lands in the backend app", async () => {
    const { index } = await planOk("dev");
    expect(inputs(appStep(index, "backend")).template.containers[0].image).toBe(
      "crengramshared.azurecr.io/engram/backend:1.4.0",
    );
  });
});

/**
 * engram:registry other than the committed ACR (the shared variants that change it are read here:
 * dev's DEV_OPTIONS, uat's UAT_OPTIONS, prod's PROD_OPTIONS with ghcr.io, test's TEST_FED with
 * none): a login server such as ghcr.io (public images), or none.
 */
describe("registry", () => {
  const GHCR = { set: { "engram:registry": "ghcr.io" } };
  /** Built-in AcrPull role definition id. */
  const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
  const acrPulls = (index: PlanIndex) =>
    index
      .ofType("azure-native:authorization:RoleAssignment")
      .filter((s) => String(s.newState.inputs.roleDefinitionId).endsWith(`/${ACR_PULL}`));
  const uiSecrets = ["temporal-tls-ca", "temporal-tls-ui-cert", "temporal-tls-ui-key"];
  const hasUiIdentity = (index: PlanIndex) =>
    index
      .ofType("azure-native:managedidentity:UserAssignedIdentity")
      .some((i) => index.logicalName(i) === "id-temporal-ui-mi");

  it("a non-ACR registry gets no registry entry (public images; never a password) and no temporal-ui identity", async () => {
    // dev's shared variant of optional settings: its registry is ghcr.io (GHCR).
    expect(DEV_OPTIONS.set["engram:registry"]).toBe(GHCR.set["engram:registry"]);
    const { index } = await planOk("dev", DEV_OPTIONS);
    for (const a of APP_NAMES) expect(inputs(appStep(index, a)).configuration.registries).toEqual([]);
    expect(inputs(appStep(index, "temporal-ui")).identity).toEqual({ type: "None" });
    expect(hasUiIdentity(index)).toBe(false);
    expect(
      JSON.stringify(index.ofType("azure-native:app:ContainerApp").map((s) => s.newState.inputs)),
    ).not.toMatch(/passwordSecretRef|"username"/);
  });

  it("grants no AcrPull when the registry is a login server rather than an ACR", async () => {
    const { index } = await planOk("dev", DEV_OPTIONS);
    expect(acrPulls(index)).toEqual([]);
  });

  it("grants no AcrPull when no registry is configured", async () => {
    // test's shared variant configures no registry; the committed test stack (an ACR) grants AcrPull.
    expect(TEST_FED.unset).toContain("engram:registry");
    expect(acrPulls((await planOk("test")).index).length).toBeGreaterThan(0);
    const { index } = await planOk("test", TEST_FED);
    expect(acrPulls(index)).toEqual([]);
    for (const a of APP_NAMES) expect(inputs(appStep(index, a)).configuration.registries).toEqual([]);
  });

  /** The UI's three Temporal mTLS secrets and, for each, its grant's description. */
  const uiGrants = uiSecrets
    .map((n) => `engram-infra: temporal-ui -> Key Vault Secrets User on kv-secret:${n}`)
    .sort();
  const roleDeps = (index: PlanIndex, s: PlanStep) =>
    s.newState.dependencies.filter(
      (u) => index.get(u)?.newState.type === "azure-native:authorization:RoleAssignment",
    );

  it("with Temporal mTLS on Container Apps the Temporal UI still has its own identity, the three secrets and exactly their grants, and no registry", async () => {
    // uat's shared variant: Temporal mTLS on and its registry ghcr.io (GHCR), not an ACR; the
    // committed uat stack (an ACR, no mTLS) grants AcrPull.
    expect(UAT_OPTIONS.set["engram:temporalMtls"]).toBe("true");
    expect(UAT_OPTIONS.set["engram:registry"]).toBe(GHCR.set["engram:registry"]);
    expect(acrPulls((await planOk("uat")).index).length).toBeGreaterThan(0);
    const { index } = await planOk("uat", UAT_OPTIONS);
    const ui = appStep(index, "temporal-ui");
    expect(inputs(ui).identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: [identityOf(index, "temporal-ui").id],
    });
    expect(inputs(ui).configuration.registries).toEqual([]);
    expect(inputs(ui).configuration.secrets.map((s) => s.name)).toEqual(uiSecrets);
    expect(
      roleDeps(index, ui)
        .map((u) => index.get(u)?.newState.inputs.description)
        .sort(),
    ).toEqual(uiGrants);
    expect(acrPulls(index)).toEqual([]);
  });

  it("with Temporal mTLS in prod (AKS) the Temporal UI still has its own identity, the three secrets and exactly their grants, and no AcrPull", async () => {
    // Prod's shared variant of optional settings: its registry is ghcr.io (GHCR), not an ACR.
    expect(PROD_OPTIONS.set["engram:registry"]).toBe(GHCR.set["engram:registry"]);
    const { index } = await planOk("prod", PROD_OPTIONS);
    const ui = appWorkload(index, "aks", "temporal-ui").step;
    const mi = identityOf(index, "temporal-ui");
    const sa = index
      .ofType("kubernetes:core/v1:ServiceAccount")
      .find((s) => (s.newState.inputs.metadata as { name: string }).name === "temporal-ui") as PlanStep;
    expect((sa.newState.inputs.metadata as { annotations: Record<string, string> }).annotations).toEqual({
      "azure.workload.identity/client-id": placeholderUuid(mi.urn, "clientId"),
    });
    const spc = index
      .ofType("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")
      .find((s) => (s.newState.inputs.metadata as { name: string }).name === "temporal-ui-kv") as PlanStep;
    const objects = (spc.newState.inputs.spec as { parameters: { objects: string } }).parameters.objects;
    expect([...objects.matchAll(/objectName: (\S+)/g)].map((m) => m[1]).sort()).toEqual(uiSecrets);
    expect(
      roleDeps(index, ui)
        .map((u) => index.get(u)?.newState.inputs.description)
        .sort(),
    ).toEqual(uiGrants);
    expect(acrPulls(index)).toEqual([]);
  });
});

describe("the secret-looking env var guard", () => {
  it("lets only the documented non-secret Application Insights connection string through", () => {
    expect(isSecretLikeEnv("APPLICATIONINSIGHTS_CONNECTION_STRING")).toBe(false);
    for (const name of [
      "POSTGRES_CONNECTION_STRING",
      "STORAGE_CONNECTION_STRING",
      "ZEP_API_KEY",
      "POSTGRES_PASSWORD",
    ])
      expect(isSecretLikeEnv(name)).toBe(true);
  });
});
