import { SETTINGS } from "../src/matrix";
import { ENVIRONMENTS, planOk, planRefused } from "./helpers/plan";
import { AKS_CHANGE } from "./helpers/variants";
import type { PlanIndex } from "../scripts/offline/plan-index";

/**
 * The runtime switch (issue #16, DESIGN.md §11): `engram:runtime` chooses Container Apps or AKS and
 * nothing else. Staging may rehearse prod on AKS, so staging is planned both ways and compared:
 * identities, Entra, Key Vault and its secrets, the per-secret grants, data and the env-var
 * contract are the same resources with the same inputs on both runtimes.
 */

const ACA_STACKS = ENVIRONMENTS.filter((e) => SETTINGS.runtime.defaults[e] === "aca");

/** Types that do not depend on the runtime: the same URNs with the same inputs on both. */
const SHARED_TYPES = [
  "azuread:",
  "azure-native:managedidentity:UserAssignedIdentity",
  "azure-native:keyvault:",
  "azure-native:storage:",
  "azure-native:dbforpostgresql:",
  "azure-native:operationalinsights:",
  "azure-native:applicationinsights:",
  "azure-native:web:StaticSite",
  "random:",
];

/** URN → inputs of the resources of the shared types. */
function shared(index: PlanIndex): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of index.resources)
    if (SHARED_TYPES.some((t) => s.newState.type.startsWith(t))) out[s.urn] = s.newState.inputs;
  return out;
}

const APPS = ["backend", "worker", "zep", "temporal", "temporal-ui"];

/**
 * Each app identity's role assignments as `who -> role on what (scope, role id)`, sorted: the
 * assignment's own description (written by grant()) with its scope and role definition.
 */
function appGrants(index: PlanIndex): string[] {
  return index
    .ofType("azure-native:authorization:RoleAssignment")
    .map((r) => r.newState.inputs as { description: string; scope: string; roleDefinitionId: string })
    .filter((i) => APPS.includes(i.description.replace(/^engram-infra: /, "").split(" -> ")[0]))
    .map((i) => `${i.description} (${i.scope}, ${i.roleDefinitionId.split("/").pop()})`)
    .sort();
}

describe("the runtime switch", () => {
  it("GIVEN the matrix THEN prod runs on AKS and the other environments on Container Apps by default", () => {
    expect(SETTINGS.runtime.defaults).toEqual({
      dev: "aca",
      test: "aca",
      uat: "aca",
      staging: "aca",
      prod: "aks",
    });
  });

  it.each(ACA_STACKS)(
    "GIVEN the committed %s stack THEN it has no cluster and no Kubernetes object",
    async (env) => {
      const { index } = await planOk(env);
      expect(index.ofType("azure-native:containerservice:ManagedCluster")).toEqual([]);
      expect(index.resources.filter((s) => s.newState.type.startsWith("kubernetes:"))).toEqual([]);
      expect(index.ofType("azure-native:app:ContainerApp")).toHaveLength(5);
    },
  );

  it.each(["dev", "test", "uat"] as const)(
    "GIVEN runtime aks in %s THEN it is refused naming the rule",
    async (env) => {
      expect(await planRefused(env, { set: { "engram:runtime": "aks" } })).toEqual([
        `engram:runtime=aks is not allowed in ${env}: AKS runs prod, and staging may rehearse it; dev, test and uat run on Container Apps (SOP 000 environment matrix, DESIGN.md §11)`,
      ]);
    },
  );

  it("GIVEN runtime aca in prod THEN it is refused naming the rule", async () => {
    expect(await planRefused("prod", { set: { "engram:runtime": "aca" } })).toEqual([
      "engram:runtime=aca is not allowed in prod: prod runs on a private AKS cluster (SOP 000: dev, test, uat, staging (ACA) and prod (AKS))",
    ]);
  });

  it('GIVEN runtime "eks" THEN it is refused with the choices', async () => {
    expect(await planRefused("staging", { set: { "engram:runtime": "eks" } })).toEqual([
      'engram:runtime=eks is not allowed in staging: the value is one of "aca", "aks"',
    ]);
  });

  it("GIVEN runtime as a list THEN it is refused saying what a runtime is", async () => {
    expect(await planRefused("staging", { set: { "engram:runtime": ["aks"] } })).toEqual([
      'engram:runtime=["aks"] is not allowed in staging: expected one of "aca", "aks", got a list',
    ]);
  });

  describe("GIVEN staging on Container Apps and staging rehearsing prod on AKS", () => {
    const both = async () => [
      (await planOk("staging")).index,
      (await planOk("staging", AKS_CHANGE.staging)).index,
    ];

    it("THEN identities, Entra, Key Vault, Storage, Postgres, the workspace and the web app are the same resources with the same inputs, and the cluster adds only its two identities", async () => {
      const [aca, aks] = await both();
      const onAca = shared(aca);
      const onAks = shared(aks);
      expect(Object.keys(onAca).length).toBeGreaterThan(40);
      const added = Object.keys(onAks).filter((urn) => !(urn in onAca));
      expect(added.map((urn) => urn.split("::").pop())).toEqual([
        "id-aks-control-plane-mi",
        "id-aks-kubelet-mi",
      ]);
      for (const urn of added) delete onAks[urn];
      expect(onAks).toEqual(onAca);
    });

    it("THEN each app identity holds the same role assignments at the same scopes", async () => {
      const [aca, aks] = await both();
      const onAca = appGrants(aca);
      // AcrPull on the registry, Key Vault Secrets User per secret, the AI account, telemetry, data.
      expect(onAca.length).toBeGreaterThanOrEqual(20);
      expect(appGrants(aks)).toEqual(onAca);
    });

    it("THEN each app's env var names are the same on both runtimes", async () => {
      const [aca, aks] = await both();
      const onAca: Record<string, string[]> = {};
      for (const app of aca.ofType("azure-native:app:ContainerApp")) {
        const inputs = app.newState.inputs as {
          tags: { service: string };
          template: { containers: { env: { name: string }[] }[] };
        };
        onAca[inputs.tags.service] = inputs.template.containers[0].env
          .map((e) => e.name)
          .filter((n) => n !== "ENGRAM_SECRETS_ROTATED")
          .sort();
      }
      const onAks: Record<string, string[]> = {};
      for (const d of aks.ofType("kubernetes:apps/v1:Deployment")) {
        const inputs = d.newState.inputs as {
          metadata: { name: string };
          spec: { template: { spec: { containers: { env?: { name: string }[] }[] } } };
        };
        onAks[inputs.metadata.name] = (inputs.spec.template.spec.containers[0].env ?? [])
          .map((e) => e.name)
          .filter((n) => n !== "ENGRAM_SECRETS_ROTATED")
          .sort();
      }
      expect(Object.keys(onAca).sort()).toEqual(["backend", "temporal", "temporal-ui", "worker", "zep"]);
      expect(onAks).toEqual(onAca);
    });
  });
});
