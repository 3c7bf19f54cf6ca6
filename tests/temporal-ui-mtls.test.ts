import { placeholderResource } from "../scripts/offline/placeholders";
import type { PlanStep } from "../scripts/offline/plan";
import { PlanIndex } from "../scripts/offline/plan-index";
import { SERVICE_NAMES } from "../src/services";
import { assignments, idOf, principalIdOf, ROLE_IDS, T } from "./helpers/data";
import { ENVIRONMENTS, Environment, planOk, planRefused } from "./helpers/plan";
import { TLS_READERS } from "./helpers/tls-readers";
import { PROD_LIKE_ACA, UAT_OPTIONS } from "./helpers/variants";
import { appWorkload, Runtime, runtimeOf } from "./helpers/workloads";

/**
 * The Temporal UI under Temporal frontend mTLS (DESIGN.md §1 matrix, §3 temporal-tls-*; SOP 000
 * "Temporal with mTLS"): the frontend requires a client certificate from every caller, so with
 * mTLS on the UI has its own identity, its own client certificate from the internal CA, reads
 * exactly the CA and that certificate's two secrets, and no other client's (or the server's) key.
 * Without mTLS nothing about the UI changes. Prod runs on AKS: there the UI is a Deployment whose
 * ServiceAccount carries its identity and whose SecretProviderClass names its three secrets, mounted
 * as CSI files at the same paths; on Container Apps (uat and staging with mTLS on) a Container App
 * with Key Vault references and a secret volume.
 */

type Change = Parameters<typeof planOk>[1];
interface Case {
  title: string;
  change?: Change;
  mtls: boolean;
  /** The registry is an ACR (the UI's identity then also holds AcrPull). */
  acr: boolean;
}

/**
 * prod: mTLS by default (on AKS); uat, staging: off by default, and on when configured (staging with
 * all of prod's settings, the shared PROD_LIKE_ACA variant, its committed ACR; uat's shared variant,
 * whose registry ghcr.io is not an ACR); dev, test: off.
 */
const casesFor = (env: Environment): Case[] =>
  env === "prod"
    ? [{ title: "by default", mtls: true, acr: true }]
    : env === "uat" || env === "staging"
      ? [
          { title: "by default", mtls: false, acr: true },
          env === "staging"
            ? {
                title: "with prod's settings (engram:temporalMtls=true, engram:waf=true)",
                change: PROD_LIKE_ACA,
                mtls: true,
                acr: true,
              }
            : {
                // uat's shared variant of optional settings (engram:temporalMtls=true and
                // engram:registry=ghcr.io among them).
                title: "with engram:temporalMtls=true (and engram:registry=ghcr.io)",
                change: UAT_OPTIONS,
                mtls: true,
                acr: false,
              },
        ]
      : [{ title: "by default", mtls: false, acr: true }];

const UI_SECRETS = ["temporal-tls-ca", "temporal-tls-ui-cert", "temporal-tls-ui-key"];
const MOUNT = "/etc/temporal-ui/tls";
/** Built-in AcrPull role definition id. */
const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

type Env = { name: string; value?: string; secretRef?: string };
interface AppInputs {
  identity: { type: string; userAssignedIdentities?: string[] };
  configuration: {
    secrets: { name: string; keyVaultUrl?: string; identity?: string; value?: string }[];
    registries: { server: string; identity: string }[];
  };
  template: {
    containers: { env: Env[]; volumeMounts: { volumeName: string; mountPath: string }[] }[];
    volumes: { name: string; storageType: string; secrets: { path: string; secretRef: string }[] }[];
  };
}

const uiApp = (index: PlanIndex) => index.one("azure-native:app:ContainerApp", "temporal-ui-app");
const appInputs = (s: PlanStep) => s.newState.inputs as unknown as AppInputs;
const envMap = (s: PlanStep) =>
  Object.fromEntries(appInputs(s).template.containers[0].env.map((e) => [e.name, e]));
const uiMi = (index: PlanIndex) => index.one(T.identity, "id-temporal-ui-mi");
const hasUiMi = (index: PlanIndex) =>
  index.ofType(T.identity).some((i) => index.logicalName(i) === "id-temporal-ui-mi");
const miArmId = (mi: PlanStep) =>
  `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${mi.newState.inputs.resourceGroupName as string}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${mi.newState.inputs.resourceName as string}`;
const vaultSecret = (index: PlanIndex, name: string) =>
  index.ofType(T.secret).find((s) => s.newState.inputs.secretName === name);
const tlsSecretNames = (index: PlanIndex) =>
  index
    .ofType(T.secret)
    .map((s) => s.newState.inputs.secretName as string)
    .filter((n) => n.startsWith("temporal-tls-"));
/** The placeholder outputs the offline engine gives a step (what other resources read). */
const outputsOf = (s: PlanStep) =>
  placeholderResource(s.newState.type, s.urn.split("::").pop() as string, s.urn, s.newState.inputs).state;

/** The UI's workload: the Container App on ACA, the Deployment on AKS. */
const uiWorkload = (index: PlanIndex, rt: Runtime) => appWorkload(index, rt, "temporal-ui");
type K8sMeta = { metadata: { name: string; annotations?: Record<string, string> } };
/** A namespaced Kubernetes object of the plan by type and name (AKS). */
const k8sObject = (index: PlanIndex, type: string, name: string): PlanStep => {
  const found = index.ofType(type).filter((s) => (s.newState.inputs as K8sMeta).metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};
type K8sContainer = {
  volumeMounts: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
};
const uiContainer = (index: PlanIndex): K8sContainer =>
  (
    uiWorkload(index, "aks").step.newState.inputs.spec as {
      template: { spec: { containers: K8sContainer[] } };
    }
  ).template.spec.containers[0];

/** Principal id -> app, for the service identities and the UI's. */
function principals(index: PlanIndex): Map<string, string> {
  const apps: string[] = [...SERVICE_NAMES, ...(hasUiMi(index) ? ["temporal-ui"] : [])];
  return new Map(apps.map((a) => [principalIdOf(index, a), a]));
}

describe.each(ENVIRONMENTS)("the Temporal UI and Temporal mTLS in %s", (env: Environment) => {
  describe.each(casesFor(env))("$title", ({ change, mtls, acr }: Case) => {
    it(`Temporal mTLS is ${mtls ? "on" : "off"}`, async () => {
      const { config } = await planOk(env, change);
      expect(config.decisions.temporalMtls.value).toBe(mtls);
    });

    if (!mtls) {
      it("no UI TLS secret exists; the UI has no secrets, volume or TLS env, and its identity (ACR set) only AcrPull", async () => {
        const { index, config } = await planOk(env, change);
        expect(tlsSecretNames(index)).toEqual([]);
        expect(index.ofType("tls:index/locallySignedCert:LocallySignedCert")).toEqual([]);
        const ui = appInputs(uiApp(index));
        expect(ui.configuration.secrets).toEqual([]);
        expect(ui.template.volumes).toEqual([]);
        expect(ui.template.containers[0].volumeMounts).toEqual([]);
        expect(Object.keys(envMap(uiApp(index))).filter((n) => n.startsWith("TEMPORAL_TLS_"))).toEqual([]);
        // The committed stacks configure an ACR: the UI identity exists for AcrPull alone.
        const own = principalIdOf(index, "temporal-ui");
        const held = assignments(index).filter((a) => a.principalId === own);
        expect(held.map((a) => [a.role, a.scope])).toEqual([[ACR_PULL, config.registry?.acrId]]);
        const deps = uiApp(index).newState.dependencies.filter((u) => index.get(u)?.newState.type === T.role);
        expect(deps.map((u) => index.get(u)?.newState.inputs.description)).toEqual([
          "engram-infra: temporal-ui -> AcrPull on acr",
        ]);
      });
      return;
    }

    it("the UI runs as its own identity id-engram-<env>-temporal-ui, no service's", async () => {
      const r = await planOk(env, change);
      const { index } = r;
      const mi = uiMi(index);
      expect(mi.newState.inputs.resourceName).toBe(`id-engram-${env}-temporal-ui`);
      if (runtimeOf(r) === "aca")
        expect(appInputs(uiApp(index)).identity).toEqual({
          type: "UserAssigned",
          userAssignedIdentities: [miArmId(mi)],
        });
      else {
        // Its ServiceAccount carries the UI identity's client id, and its pods run as it (the same
        // for every app: tests/aks-workloads.test.ts "each app's ServiceAccount ...").
        const sa = k8sObject(index, "kubernetes:core/v1:ServiceAccount", "temporal-ui").newState
          .inputs as K8sMeta;
        expect(sa.metadata.annotations).toEqual({
          "azure.workload.identity/client-id": outputsOf(mi).clientId,
        });
        const pod = (
          uiWorkload(index, "aks").step.newState.inputs.spec as {
            template: { spec: Record<string, unknown> };
          }
        ).template.spec;
        expect(pod.serviceAccountName).toBe("temporal-ui");
      }
      const servicePrincipals = SERVICE_NAMES.map((s) => principalIdOf(index, s));
      expect(servicePrincipals).not.toContain(principalIdOf(index, "temporal-ui"));
    });

    it("its secrets are exactly the CA, its certificate and its key, read from Key Vault with its identity", async () => {
      const r = await planOk(env, change);
      const { index } = r;
      const vault = index.one(T.vault).newState.inputs.vaultName as string;
      if (runtimeOf(r) === "aks") {
        // The SecretProviderClass temporal-ui-kv: exactly these objects, read with the UI's client id.
        const spc = k8sObject(
          index,
          "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass",
          "temporal-ui-kv",
        ).newState.inputs as { spec: { parameters: Record<string, string>; secretObjects?: unknown } };
        expect(
          [...spc.spec.parameters.objects.matchAll(/objectName: (\S+)/g)].map((m) => m[1]).sort(),
        ).toEqual(UI_SECRETS);
        expect(spc.spec.parameters).toMatchObject({
          clientID: outputsOf(uiMi(index)).clientId,
          keyvaultName: vault,
          usePodIdentity: "false",
        });
        // Files only: no env var of the UI reads a secret, so nothing is synced into a Kubernetes Secret.
        expect(spc.spec.secretObjects).toBeUndefined();
        return;
      }
      const own = miArmId(uiMi(index));
      expect(appInputs(uiApp(index)).configuration.secrets).toEqual(
        UI_SECRETS.map((name) => ({
          name,
          keyVaultUrl: `https://${vault}.vault.azure.net/secrets/${name}`,
          identity: own,
        })),
      );
    });

    it("they are mounted as files, and the image's TLS env vars point at those files with host verification", async () => {
      const r = await planOk(env, change);
      const { index } = r;
      const rt = runtimeOf(r);
      /** Key Vault secret -> the file it is mounted at. */
      let fileOf: Record<string, string>;
      if (rt === "aca") {
        const t = appInputs(uiApp(index)).template;
        expect(t.volumes).toEqual([
          {
            name: "temporal-tls",
            storageType: "Secret",
            secrets: [
              { path: "ca.pem", secretRef: "temporal-tls-ca" },
              { path: "client.pem", secretRef: "temporal-tls-ui-cert" },
              { path: "client.key", secretRef: "temporal-tls-ui-key" },
            ],
          },
        ]);
        expect(t.containers[0].volumeMounts).toEqual([{ volumeName: "temporal-tls", mountPath: MOUNT }]);
        fileOf = Object.fromEntries(t.volumes[0].secrets.map((s) => [s.secretRef, `${MOUNT}/${s.path}`]));
      } else {
        // Each secret of the CSI volume at its file, read-only (a rotation rolls the pods: the stamp).
        const files = uiContainer(index).volumeMounts.filter((m) => m.subPath !== undefined);
        expect(files.map((m) => [m.mountPath, m.name, m.subPath, m.readOnly])).toEqual([
          [`${MOUNT}/ca.pem`, "secrets-store", "temporal-tls-ca", true],
          [`${MOUNT}/client.key`, "secrets-store", "temporal-tls-ui-key", true],
          [`${MOUNT}/client.pem`, "secrets-store", "temporal-tls-ui-cert", true],
        ]);
        fileOf = Object.fromEntries(files.map((m) => [m.subPath as string, m.mountPath]));
      }
      // The names temporalio/ui reads (ui-server config/docker.yaml); values are paths, no secret.
      const e = Object.fromEntries(uiWorkload(index, rt).env.map((v) => [v.name, v]));
      const file = (secret: string) => fileOf[secret] ?? "?";
      expect(e.TEMPORAL_TLS_CA).toEqual({ name: "TEMPORAL_TLS_CA", value: file("temporal-tls-ca") });
      expect(e.TEMPORAL_TLS_CERT).toEqual({ name: "TEMPORAL_TLS_CERT", value: file("temporal-tls-ui-cert") });
      expect(e.TEMPORAL_TLS_KEY).toEqual({ name: "TEMPORAL_TLS_KEY", value: file("temporal-tls-ui-key") });
      // Without it ui-server skips verifying the server certificate (InsecureSkipVerify).
      expect(e.TEMPORAL_TLS_ENABLE_HOST_VERIFICATION?.value).toBe("true");
      // The name the UI dials: the Container App's, or the temporal Service's cluster DNS name.
      const serverName = e.TEMPORAL_TLS_SERVER_NAME?.value;
      expect(serverName).toBe(
        rt === "aca" ? `ca-engram-${env}-temporal` : "temporal.engram.svc.cluster.local",
      );
      const serverCsr = index.one("tls:index/certRequest:CertRequest", "temporal-tls-server-csr");
      expect(serverCsr.newState.inputs.dnsNames).toContain(serverName);
    });

    it("it depends on exactly its three Key Vault grants and its AcrPull (when the registry is an ACR; else none)", async () => {
      const r = await planOk(env, change);
      const { index, config } = r;
      expect(config.registry?.acrId !== undefined).toBe(acr);
      const own = principalIdOf(index, "temporal-ui");
      // The Container App, or the Deployment (its pods start only once they can read their secrets).
      const deps = uiWorkload(index, runtimeOf(r)).step.newState.dependencies.filter(
        (u) => index.get(u)?.newState.type === T.role,
      );
      const expected = index
        .ofType(T.role)
        .filter((g) => g.newState.inputs.principalId === own)
        .map((g) => g.urn);
      expect(deps.sort()).toEqual(expected.sort());
      const held = deps.map((u) => {
        const i = index.get(u)!.newState.inputs;
        return [String(i.roleDefinitionId).split("/").pop(), i.scope as string];
      });
      const secretId = (n: string) => idOf(vaultSecret(index, n)!);
      expect(held.sort()).toEqual(
        [
          ...UI_SECRETS.map((n) => [ROLE_IDS["Key Vault Secrets User"], secretId(n)]),
          ...(acr ? [[ACR_PULL, config.registry?.acrId]] : []),
        ].sort(),
      );
    });

    it("each Temporal mTLS secret is readable by exactly its readers: no worker on the UI's, no UI on the worker's or server's", async () => {
      const { index } = await planOk(env, change);
      const byPrincipal = principals(index);
      const readers = Object.fromEntries(
        tlsSecretNames(index).map((n) => {
          const id = idOf(vaultSecret(index, n)!);
          const who = assignments(index)
            .filter((a) => a.scope === id)
            .map((a) => {
              expect(a.role).toBe(ROLE_IDS["Key Vault Secrets User"]);
              return byPrincipal.get(a.principalId) ?? `unknown:${a.principalId}`;
            });
          return [n, who.sort()];
        }),
      );
      expect(readers).toEqual(TLS_READERS);
      // No vault-wide or other secret grant lets the UI read more.
      const own = principalIdOf(index, "temporal-ui");
      const uiSecretIds = UI_SECRETS.map((n) => idOf(vaultSecret(index, n)!));
      expect(
        assignments(index)
          .filter((a) => a.principalId === own && a.role === ROLE_IDS["Key Vault Secrets User"])
          .map((a) => a.scope)
          .sort(),
      ).toEqual(uiSecretIds.sort());
    });

    it("the UI's certificate: its own secret key, CN distinct from the worker's, client auth only, same CA, 90-day rotation", async () => {
      const { index } = await planOk(env, change);
      const csr = (n: string) => index.one("tls:index/certRequest:CertRequest", `temporal-tls-${n}-csr`);
      const cert = (n: string) =>
        index.one("tls:index/locallySignedCert:LocallySignedCert", `temporal-tls-${n}-cert`);
      expect(
        index.one("tls:index/privateKey:PrivateKey", "temporal-tls-ui-key").newState.inputs,
      ).toMatchObject({
        algorithm: "ECDSA",
        ecdsaCurve: "P256",
      });
      const ui = csr("ui").newState.inputs as { privateKeyPem: string; subject: { commonName: string } };
      expect(ui.privateKeyPem).toBe("[secret]");
      expect(ui.subject.commonName).toBe(`engram-${env}-temporal-ui`);
      expect(ui.subject.commonName).not.toBe(
        (csr("worker").newState.inputs.subject as { commonName: string }).commonName,
      );
      // Its own key: the UI's CSR is built from the UI's key, not the worker's.
      expect(csr("ui").newState.dependencies).toEqual([
        index.one("tls:index/privateKey:PrivateKey", "temporal-tls-ui-key").urn,
      ]);
      const leaf = cert("ui").newState.inputs as {
        allowedUses: string[];
        caCertPem: string;
        caPrivateKeyPem: string;
        validityPeriodHours: number;
        earlyRenewalHours: number;
      };
      expect(leaf.allowedUses).toEqual(["digital_signature", "client_auth"]);
      expect(leaf.caPrivateKeyPem).toBe("[secret]");
      expect(leaf.caCertPem).toBe(outputsOf(index.one("tls:index/selfSignedCert:SelfSignedCert")).certPem);
      expect(leaf.validityPeriodHours - leaf.earlyRenewalHours).toBe(90 * 24);
      expect(leaf.earlyRenewalHours).toBe(cert("worker").newState.inputs.earlyRenewalHours);
      // Both PEMs are vault secrets: the key never appears in the plan, and both expire.
      for (const n of ["temporal-tls-ui-cert", "temporal-tls-ui-key"]) {
        const props = vaultSecret(index, n)!.newState.inputs.properties as {
          value: string;
          contentType: string;
          attributes: { expires: number };
        };
        expect(props.value).toBe("[secret]");
        expect(props.contentType).toBe("application/x-pem-file");
        expect(props.attributes.expires).toBeGreaterThan(0);
      }
    });

    it("the UI's private key is [secret] wherever it is used, and its PEM appears nowhere in the plan", async () => {
      const { index, plan } = await planOk(env, change);
      const key = index.one("tls:index/privateKey:PrivateKey", "temporal-tls-ui-key");
      const pem = outputsOf(key).privateKeyPem as string;
      expect(pem).toContain("PRIVATE KEY");
      expect(JSON.stringify(plan)).not.toContain(pem.split("\n")[1]);
      const props = vaultSecret(index, "temporal-tls-ui-key")!.newState.inputs.properties as {
        value: string;
      };
      expect(props.value).toBe("[secret]");
      const csr = index.one("tls:index/certRequest:CertRequest", "temporal-tls-ui-csr");
      expect(csr.newState.inputs.privateKeyPem).toBe("[secret]");
    });

    it("its rotation stamp is the certificates' issue time, like the worker's", async () => {
      const r = await planOk(env, change);
      const { index } = r;
      const rt = runtimeOf(r);
      const issued = outputsOf(
        index.one("tls:index/locallySignedCert:LocallySignedCert", "temporal-tls-ui-cert"),
      ).validityStartTime as string;
      expect(issued).toMatch(/^\d{4}-\d\d-\d\dT/);
      const stamp = uiWorkload(index, rt).env.find((v) => v.name === "ENGRAM_SECRETS_ROTATED");
      expect(stamp).toEqual({
        name: "ENGRAM_SECRETS_ROTATED",
        value: UI_SECRETS.map((n) => `${n}@${issued}`).join(";"),
      });
      const worker = appWorkload(index, rt, "worker").env.find((v) => v.name === "ENGRAM_SECRETS_ROTATED");
      expect(worker?.value).toContain(`temporal-tls-client-cert@${issued}`);
      // The stamp comes from the leaf certificates (all issue times are equal offline): the UI's
      // template (the Deployment's pod template on AKS) depends on each leaf, so re-issuing one
      // changes it: a new revision on ACA, a rollout on AKS.
      const leaves = index.ofType("tls:index/locallySignedCert:LocallySignedCert");
      expect(leaves).toHaveLength(3);
      for (const leaf of leaves) expect(uiWorkload(index, rt).templateDependencies).toContain(leaf.urn);
    });
  });
});

// Without an ACR (engram:registry=ghcr.io, uat's case above): tests/container-apps.test.ts "registry"
// too, on the same shared variants.

describe("the Temporal mTLS vault secrets say where they come from", () => {
  it("every temporal-tls-* secret in prod is tagged source generated:temporal-mtls, the other secrets keep their own", async () => {
    const { index } = await planOk("prod");
    const sources = Object.fromEntries(
      index
        .ofType("azure-native:keyvault:Secret")
        .map((s) => [
          s.newState.inputs.secretName as string,
          (s.newState.inputs.tags as Record<string, string>).source,
        ]),
    );
    const tls = Object.keys(sources).filter((n) => n.startsWith("temporal-tls-"));
    expect(tls.sort()).toEqual([
      "temporal-tls-ca",
      "temporal-tls-client-cert",
      "temporal-tls-client-key",
      "temporal-tls-server-cert",
      "temporal-tls-server-key",
      "temporal-tls-ui-cert",
      "temporal-tls-ui-key",
    ]);
    for (const n of tls) expect(sources[n]).toBe("generated:temporal-mtls");
    expect(sources["zep-api-key"]).toBe("generated");
    expect(sources["azure-ai-key"]).toBe("config:azureAiKey");
  });
});

/** The configuration secrets of an app. */
const secretNames = (index: PlanIndex, a: string) =>
  appInputs(index.one("azure-native:app:ContainerApp", `${a}-app`)).configuration.secrets.map((x) => x.name);

describe("peer encryption and Temporal mTLS overrides", () => {
  it.each(["uat", "staging", "prod"] as const)(
    "turning peer encryption off is refused in %s",
    async (env) => {
      expect(await planRefused(env, { set: { "engram:peerEncryption": "false" } })).toEqual([
        `engram:peerEncryption=false is not allowed in ${env}: traffic between apps is encrypted in uat, staging and prod (SOP 000: mTLS where supported)`,
      ]);
    },
  );

  it("turning Temporal mTLS off is refused in prod", async () => {
    expect(await planRefused("prod", { set: { "engram:temporalMtls": "false" } })).toEqual([
      "engram:temporalMtls=false is not allowed in prod: Temporal requires mTLS in prod (SOP 000: Temporal with mTLS)",
    ]);
  });

  it("uat may turn Temporal mTLS on: CA, server and client certificates land in Key Vault and as files", async () => {
    const { index } = await planOk("uat", UAT_OPTIONS);
    expect(index.ofType("tls:index/selfSignedCert:SelfSignedCert")).toHaveLength(1);
    expect(
      secretNames(index, "temporal")
        .filter((n) => n.startsWith("temporal-tls-"))
        .sort(),
    ).toEqual(["temporal-tls-ca", "temporal-tls-server-cert", "temporal-tls-server-key"].sort());
    expect(
      secretNames(index, "worker")
        .filter((n) => n.startsWith("temporal-tls-"))
        .sort(),
    ).toEqual(["temporal-tls-ca", "temporal-tls-client-cert", "temporal-tls-client-key"].sort());
  });
});
