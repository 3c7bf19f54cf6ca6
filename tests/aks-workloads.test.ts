import type { PlanStep } from "../scripts/offline/plan";
import { PlanIndex } from "../scripts/offline/plan-index";
import { placeholderResource } from "../scripts/offline/placeholders";
import { spcObjects } from "../scripts/offline/report/aks";
import { inputs, Json } from "./helpers/data";
import { planOk, report } from "./helpers/plan";
import { AKS_CHANGE, FED, fedSecretsVariant, PROD_LIKE_ACA, PROD_LIKE_ACA_STACK } from "./helpers/variants";
import { appWorkload } from "./helpers/workloads";

/**
 * DESIGN.md §11 "Workloads" (SOP 000 "workload identity with federated service accounts", SOP 004
 * workload identity; SOP 002 secrets): the Kubernetes objects of prod (and staging rehearsing it)
 * on AKS, read from the plan. Expectations are written out here (DESIGN.md §2, §3), and the
 * env-var contract is compared with Container Apps under the same settings: staging on AKS with
 * staging on Container Apps, prod (which has no Container Apps) with staging on Container Apps with
 * prod's settings (PROD_LIKE_ACA: the WAF and Temporal mTLS on).
 */

const APPS = ["backend", "worker", "zep", "temporal", "temporal-ui"] as const;
type App = (typeof APPS)[number];
const K = {
  deployment: "kubernetes:apps/v1:Deployment",
  sa: "kubernetes:core/v1:ServiceAccount",
  service: "kubernetes:core/v1:Service",
  spc: "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  ns: "kubernetes:core/v1:Namespace",
  fic: "azure-native:managedidentity:FederatedIdentityCredential",
};
const obj = (index: PlanIndex, type: string, name: string) => index.one(type, `aks-${name}`);
const deployment = (index: PlanIndex, a: App) => inputs(obj(index, K.deployment, `${a}-deployment`));
const podSpec = (index: PlanIndex, a: App): Json => deployment(index, a).spec.template.spec;
const container = (index: PlanIndex, a: App): Json => podSpec(index, a).containers[0];
/** The placeholder outputs the offline engine gave a resource (deterministic). */
const outputsOf = (s: PlanStep) =>
  placeholderResource(s.newState.type, s.urn.split("::").pop() as string, s.urn, s.newState.inputs)
    .state as Json;
const identityStep = (index: PlanIndex, env: string, a: App) =>
  index
    .ofType("azure-native:managedidentity:UserAssignedIdentity")
    .find((s) => s.newState.inputs.resourceName === `id-engram-${env}-${a}`) as PlanStep;

/** DESIGN.md §3 in staging and prod (Postgres password auth off), plus Temporal mTLS when on. */
function expectedSecrets(mtls: boolean): Record<App, string[]> {
  const tls = (...names: string[]) => (mtls ? names.map((n) => `temporal-tls-${n}`) : []);
  const all: Record<App, string[]> = {
    backend: ["azure-ai-key", "zep-api-key"],
    worker: ["azure-ai-key", "zep-api-key", ...tls("ca", "client-cert", "client-key")],
    zep: ["azure-ai-key", "postgres-password", "zep-api-key"],
    temporal: ["postgres-password", ...tls("ca", "server-cert", "server-key")],
    "temporal-ui": tls("ca", "ui-cert", "ui-key"),
  };
  for (const a of APPS) all[a].sort();
  return all;
}

/** AppSpec sizes (src/layers/runtime/apps.ts), as Kubernetes quantities. */
const SIZES: Record<App, { cpu: string; memory: string }> = {
  backend: { cpu: "1000m", memory: "2Gi" },
  worker: { cpu: "1000m", memory: "2Gi" },
  zep: { cpu: "500m", memory: "1Gi" },
  temporal: { cpu: "1000m", memory: "2Gi" },
  "temporal-ui": { cpu: "250m", memory: "0.5Gi" },
};

/** The Container Apps plan with the same env-var-deciding settings as each AKS plan. */
const ACA_PEER = {
  prod: () => planOk(PROD_LIKE_ACA_STACK, PROD_LIKE_ACA),
  staging: () => planOk("staging"),
};
/** The image key of each app (src/services.ts imageKey, written out). */
const IMAGE_KEY: Record<App, string> = {
  backend: "backend",
  worker: "worker",
  zep: "zep",
  temporal: "temporal",
  "temporal-ui": "temporalUi",
};

describe.each(["prod", "staging"] as const)("the AKS workloads of %s", (env) => {
  const aks = () => planOk(env, AKS_CHANGE[env]);

  it("each app's ServiceAccount carries its own managed identity's client id; pods use it, labelled for workload identity", async () => {
    const { index } = await aks();
    for (const a of APPS) {
      const mi = identityStep(index, env, a);
      const sa = inputs(obj(index, K.sa, `${a}-sa`));
      expect(sa.metadata).toMatchObject({ name: a, namespace: "engram" });
      expect(sa.automountServiceAccountToken).toBe(false);
      expect(sa.metadata.annotations["azure.workload.identity/client-id"]).toBe(outputsOf(mi).clientId);
      expect(podSpec(index, a).serviceAccountName).toBe(a);
      expect(deployment(index, a).spec.template.metadata.labels["azure.workload.identity/use"]).toBe("true");
    }
  });

  it("each identity trusts exactly its ServiceAccount through the cluster's OIDC issuer", async () => {
    const { index } = await aks();
    const issuer = outputsOf(index.one("azure-native:containerservice:ManagedCluster")).oidcIssuerProfile
      .issuerURL;
    expect(issuer).toMatch(/^https:\/\//);
    const fics = index.ofType(K.fic);
    expect(fics).toHaveLength(APPS.length);
    for (const a of APPS) {
      const fic = inputs(obj(index, K.fic, `${a}-fic`));
      expect(fic.issuer).toBe(issuer);
      expect(fic.subject).toBe(`system:serviceaccount:engram:${a}`);
      expect(fic.audiences).toEqual(["api://AzureADTokenExchange"]);
      expect(fic.resourceName).toBe(`id-engram-${env}-${a}`);
    }
  });

  it("each SecretProviderClass names exactly the Key Vault secrets its app reads (DESIGN.md §3), with its own identity", async () => {
    const { index, config } = await aks();
    const expected = expectedSecrets(config.decisions.temporalMtls.value);
    const vault = inputs(index.one("azure-native:keyvault:Vault")).vaultName;
    for (const a of APPS) {
      const spc = index.ofType(K.spc).find((s) => inputs(s).metadata.name === `${a}-kv`);
      if (expected[a].length === 0) {
        expect(spc).toBeUndefined();
        continue;
      }
      expect(spcObjects(spc as PlanStep).sort()).toEqual(expected[a]);
      const p = inputs(spc as PlanStep).spec;
      expect(p.provider).toBe("azure");
      expect(p.parameters).toMatchObject({ usePodIdentity: "false", keyvaultName: vault });
      expect(p.parameters.clientID).toBe(outputsOf(identityStep(index, env, a)).clientId);
      const volume = podSpec(index, a).volumes.find((v: Json) => v.csi);
      expect(volume.csi).toEqual({
        driver: "secrets-store.csi.k8s.io",
        readOnly: true,
        volumeAttributes: { secretProviderClass: `${a}-kv` },
      });
    }
  });

  it("env var names, and which come from which secret, are those of Container Apps with the same settings; secrets come from the CSI-synced Secret", async () => {
    const { index, config } = await aks();
    const peer = await ACA_PEER[env]();
    // Same settings apart from the runtime: the decisions that shape env vars agree.
    for (const k of ["temporalMtls", "authRequired", "allowDevTokens", "postgresPasswordAuth"] as const)
      expect(peer.config.decisions[k].value).toBe(config.decisions[k].value);
    expect(peer.config.decisions.runtime.value).toBe("aca");
    for (const a of APPS) {
      const contract = (w: ReturnType<typeof appWorkload>) =>
        w.env.map((e) => `${e.name}${e.secret !== undefined ? ` <- ${e.secret}` : ""}`).sort();
      const acaContract = contract(appWorkload(peer.index, "aca", a));
      expect(acaContract.length).toBeGreaterThan(0);
      expect(contract(appWorkload(index, "aks", a))).toEqual(acaContract);
      const env = container(index, a).env as Json[];
      for (const e of env.filter((x) => x.valueFrom))
        expect(e.valueFrom.secretKeyRef.name).toBe(`${a}-kv-env`);
    }
  });

  it("Temporal mTLS material is mounted as CSI files at the Container Apps paths", async () => {
    const { index, config } = await aks();
    const files = (a: App) =>
      (container(index, a).volumeMounts as Json[])
        .filter((m) => m.subPath)
        .map((m) => `${m.mountPath}=${m.subPath}`)
        .sort();
    if (!config.decisions.temporalMtls.value) return expect(files("worker")).toEqual([]);
    expect(files("worker")).toEqual([
      "/etc/engram/temporal-tls/ca.pem=temporal-tls-ca",
      "/etc/engram/temporal-tls/client.key=temporal-tls-client-key",
      "/etc/engram/temporal-tls/client.pem=temporal-tls-client-cert",
    ]);
    expect(files("temporal")).toEqual([
      "/etc/temporal/tls/ca.pem=temporal-tls-ca",
      "/etc/temporal/tls/server.key=temporal-tls-server-key",
      "/etc/temporal/tls/server.pem=temporal-tls-server-cert",
    ]);
  });

  it("namespace engram enforces, audits and warns Pod Security restricted", async () => {
    const { index } = await aks();
    const ns = inputs(index.one(K.ns)).metadata;
    expect(ns.name).toBe("engram");
    for (const mode of ["enforce", "audit", "warn"]) {
      expect(ns.labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
      expect(ns.labels[`pod-security.kubernetes.io/${mode}-version`]).toMatch(/^v1\.\d+$/);
    }
  });

  it("every pod meets the restricted profile, sized with requests equal to limits", async () => {
    const { index } = await aks();
    for (const a of APPS) {
      const pod = podSpec(index, a);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      const c = container(index, a);
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.securityContext.readOnlyRootFilesystem).toBe(["backend", "worker", "zep"].includes(a));
      expect(c.resources).toEqual({ requests: SIZES[a], limits: SIZES[a] });
    }
  });

  it("images are pinned by digest and come from config, the same as on Container Apps", async () => {
    const { index, config } = await aks();
    const peer = await ACA_PEER[env]();
    for (const a of APPS) {
      const image = container(index, a).image as string;
      expect(image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(image).toBe((config.images as Record<string, string>)[IMAGE_KEY[a]]);
      // The images of both stack files are the same release; staging on ACA runs the same one.
      expect(image).toBe(
        inputs(peer.index.one("azure-native:app:ContainerApp", `${a}-app`)).template.containers[0].image,
      );
    }
  });

  it("the backend scales between the environment's replicas (the matrix's FIXED row) with an HPA; the other apps as on Container Apps, at least one replica", async () => {
    const { index, config } = await aks();
    const peer = await ACA_PEER[env]();
    const hpa = (a: App) =>
      index
        .ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
        .find((s) => inputs(s).metadata.name === a);
    /** [min, max] of the app on AKS: its HPA's bounds, or the Deployment's fixed replica count. */
    const bounds = (a: App) => {
      const h = hpa(a);
      if (!h) return [deployment(index, a).spec.replicas, deployment(index, a).spec.replicas];
      // The HPA owns the replica count: the Deployment states none, and the HPA targets it.
      expect(deployment(index, a).spec.replicas).toBeUndefined();
      expect(inputs(h).spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: a });
      return [inputs(h).spec.minReplicas, inputs(h).spec.maxReplicas];
    };
    if (env === "prod") expect(config.fixed.replicas).toEqual({ min: 2, max: 10 });
    expect(bounds("backend")).toEqual([config.fixed.replicas.min, config.fixed.replicas.max]);
    expect(hpa("backend")).toBeDefined();
    for (const a of ["worker", "zep", "temporal", "temporal-ui"] as const) {
      const scale = inputs(peer.index.one("azure-native:app:ContainerApp", `${a}-app`)).template.scale;
      // A Deployment does not scale to zero: the Temporal UI's ACA minimum of 0 becomes 1.
      expect(bounds(a)).toEqual([Math.max(1, scale.minReplicas), Math.max(1, scale.maxReplicas)]);
    }
  });

  it("each Deployment has a PodDisruptionBudget that never blocks a drain, and waits for its grants", async () => {
    const { index, config } = await aks();
    expect(index.ofType(K.pdb)).toHaveLength(APPS.length);
    for (const a of APPS) {
      const pdb = inputs(obj(index, K.pdb, `${a}-pdb`)).spec;
      expect(pdb).toEqual({
        maxUnavailable: 1,
        selector: deployment(index, a).spec.selector,
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      });
      const deps = obj(index, K.deployment, `${a}-deployment`).newState.dependencies;
      // Exactly one Key Vault Secrets User grant per secret the app reads, each waited for.
      const granted = deps
        .map((u) => new RegExp(`RoleAssignment::${a}-key-vault-secrets-user-kv-secret-(.+)$`).exec(u)?.[1])
        .filter((x): x is string => x !== undefined)
        .sort();
      expect(granted).toEqual(expectedSecrets(config.decisions.temporalMtls.value)[a]);
      expect(deps).toContain(obj(index, K.fic, `${a}-fic`).urn);
    }
  });

  it("Services: zep, temporal and temporal-ui ClusterIP; backend on an internal LB at a static AKS-subnet IP, the WAF's backend", async () => {
    const { index } = await aks();
    const svc = (a: App) => index.ofType(K.service).find((s) => inputs(s).metadata.name === a);
    expect(svc("worker")).toBeUndefined();
    for (const a of ["zep", "temporal", "temporal-ui"] as const) {
      expect(inputs(svc(a) as PlanStep).spec.type).toBe("ClusterIP");
      expect(inputs(svc(a) as PlanStep).metadata.annotations).toBeUndefined();
    }
    const backend = inputs(svc("backend") as PlanStep);
    const aksSubnet = inputs(
      index.ofType("azure-native:network:Subnet").find((s) => /-aks$/.test(inputs(s).subnetName)) as PlanStep,
    );
    const ip = backend.metadata.annotations["service.beta.kubernetes.io/azure-load-balancer-ipv4"] as string;
    expect(backend.metadata.annotations).toEqual({
      "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
      "service.beta.kubernetes.io/azure-load-balancer-internal-subnet": aksSubnet.subnetName,
      "service.beta.kubernetes.io/azure-load-balancer-ipv4": ip,
    });
    expect(backend.spec).toMatchObject({ type: "LoadBalancer", externalTrafficPolicy: "Local" });
    expect(backend.spec.ports).toEqual([{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
    const [base, bits] = (aksSubnet.addressPrefix as string).split("/");
    const num = (x: string) => x.split(".").reduce((n, o) => n * 256 + Number(o), 0);
    expect(num(ip) - num(base)).toBeGreaterThan(3);
    expect(num(ip) - num(base)).toBeLessThan(2 ** (32 - Number(bits)) - 1);
    const gw = inputs(index.one("azure-native:network:ApplicationGateway"));
    expect(gw.backendAddressPools).toEqual([{ name: "backend", backendAddresses: [{ ipAddress: ip }] }]);
  });

  it("every Kubernetes object goes through the Entra-kubeconfig provider; no Kubernetes Secret is planned", async () => {
    const { index } = await aks();
    const provider = index.ofType("pulumi:providers:kubernetes");
    expect(provider).toHaveLength(1);
    expect(provider[0].newState.inputs.kubeconfig).toBe("[secret]");
    const k8s = index.resources.filter((s) => s.newState.type.startsWith("kubernetes:"));
    expect(k8s.length).toBeGreaterThan(20);
    for (const s of k8s) expect(s.newState.provider).toMatch(/::pulumi:providers:kubernetes::aks::/);
    expect(index.ofType("kubernetes:core/v1:Secret")).toEqual([]);
    // No certificate, key or generated value in any Kubernetes object (they stay in Key Vault).
    expect(JSON.stringify(k8s.map((k) => k.newState.inputs))).not.toMatch(
      /-----BEGIN|PLACEHOLDER|"Pl[A-Za-z0-9]{20,}/,
    );
  });
});

it("GIVEN secrets fed to prod on AKS THEN no value appears in the plan or its report", async () => {
  // The fed-secrets variant of prod that tests/secrets.test.ts plans too (one plan for both).
  const change = fedSecretsVariant("prod");
  const { plan } = await planOk("prod", change);
  const text = JSON.stringify(plan) + (await report("prod", change));
  for (const v of Object.values(FED)) expect(text).not.toContain(v);
});
