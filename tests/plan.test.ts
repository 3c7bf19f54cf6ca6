import { checkName, ResourceKind } from "../lib/naming";
import type { PlanResult } from "../scripts/offline/plan";
import { PlanIndex } from "../scripts/offline/plan-index";
import { ENVIRONMENTS, planOk } from "./helpers/plan";
import { STAGING_FED } from "./helpers/variants";

/**
 * The offline plan has the shape of `pulumi preview --json`, captures what the mocks alone would
 * lose (parent, dependencies, property dependencies, protect), is byte-identical across runs, and
 * never contains a secret value.
 */

const SHAPE_STACKS = ["dev", "uat", "prod"] as const;

/** `urn:pulumi:<stack>::engram-infra::<type chain>::<name>`, each type a token `pkg:module:Name`. */
function urnParts(urn: string): { stack: string; project: string; chain: string[]; name: string } {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::([^:]+:[^:]*:[^:]+(?:\$[^:$]+:[^:$]*:[^:$]+)*)::([^:]+)$/.exec(
    urn,
  );
  if (!m) throw new Error(`not a URN: ${urn}`);
  return { stack: m[1], project: m[2], chain: m[3].split("$"), name: m[4] };
}

describe.each(SHAPE_STACKS)("the plan of %s has the shape of `pulumi preview --json`", (stack) => {
  let result: PlanResult;
  let index: PlanIndex;
  beforeAll(async () => {
    ({ index, ...result } = await planOk(stack));
  });
  const stackUrn = `urn:pulumi:${stack}::engram-infra::pulumi:pulumi:Stack::engram-infra-${stack}`;

  it("has config, steps, changeSummary and diagnostics, and every step creates", () => {
    expect(Object.keys(result.plan).sort()).toEqual(["changeSummary", "config", "diagnostics", "steps"]);
    expect(result.plan.steps.length).toBeGreaterThan(5);
    for (const s of result.plan.steps) expect(s.op).toBe("create");
    expect(result.plan.changeSummary).toEqual({ create: result.plan.steps.length });
  });

  it("starts with the Stack, and every URN is urn:pulumi:<stack>::engram-infra::<type chain>::<name>", () => {
    expect(result.plan.steps[0].urn).toBe(stackUrn);
    expect(result.plan.steps[0].newState).toMatchObject({
      type: "pulumi:pulumi:Stack",
      parent: "",
      custom: false,
    });
    const urns = result.plan.steps.map((s) => s.urn);
    expect(new Set(urns).size).toBe(urns.length);
    for (const s of result.plan.steps) {
      const u = urnParts(s.urn);
      expect([u.stack, u.project]).toEqual([stack, "engram-infra"]);
      expect(s.newState.urn).toBe(s.urn);
      expect(u.chain[u.chain.length - 1]).toBe(s.newState.type);
    }
  });

  it("has the newState fields of a preview step on every step", () => {
    for (const s of result.plan.steps) {
      expect(Object.keys(s.newState)).toEqual(
        expect.arrayContaining([
          "type",
          "urn",
          "custom",
          "parent",
          "inputs",
          "dependencies",
          "propertyDependencies",
          "protect",
        ]),
      );
      expect(typeof s.newState.custom).toBe("boolean");
      expect(typeof s.newState.protect).toBe("boolean");
      expect(Array.isArray(s.newState.dependencies)).toBe(true);
    }
  });

  it("chains types like the engine: the parent's chain (the Stack left out), then the type", () => {
    for (const s of result.plan.steps.slice(1)) {
      const chain = urnParts(s.urn).chain.join("$");
      if (s.newState.type.startsWith("pulumi:providers:")) {
        // A default provider has no parent; a provider the program creates (prod's Kubernetes
        // provider `aks`) is the Stack's child, whose type the chain leaves out.
        const isDefault = urnParts(s.urn).name.startsWith("default_");
        expect(s.newState.parent).toBe(isDefault ? "" : stackUrn);
        expect(chain).toBe(s.newState.type);
        continue;
      }
      const parent = index.get(s.newState.parent);
      expect(parent).toBeDefined();
      // Registered after its parent.
      expect(result.plan.steps.indexOf(parent!)).toBeLessThan(result.plan.steps.indexOf(s));
      expect(chain).toBe(
        s.newState.parent === stackUrn
          ? s.newState.type
          : `${urnParts(s.newState.parent).chain.join("$")}$${s.newState.type}`,
      );
    }
  });

  it("points every custom resource at a default provider step of its package (Kubernetes objects at the program's own provider), and no component at one", () => {
    /** The one provider the program creates: the Kubernetes provider of the AKS runtime (DESIGN.md §11). */
    const explicitKubernetes = `urn:pulumi:${stack}::engram-infra::pulumi:providers:kubernetes::aks`;
    const aks = result.config.decisions.runtime.value === "aks";
    for (const s of result.plan.steps) {
      if (s.newState.type.startsWith("pulumi:")) continue;
      if (!s.newState.custom) {
        expect(s.provider).toBeUndefined();
        continue;
      }
      const pkg = s.newState.type.split(":")[0];
      expect(s.provider).toBe(s.newState.provider);
      const [providerUrn, providerId] = [
        s.provider!.slice(0, s.provider!.lastIndexOf("::")),
        s.provider!.slice(s.provider!.lastIndexOf("::") + 2),
      ];
      const provider = index.get(providerUrn);
      expect(result.plan.steps.indexOf(provider!)).toBeLessThan(result.plan.steps.indexOf(s));
      if (pkg === "kubernetes") {
        // Only on AKS, and only through the cluster's Entra-kubeconfig provider (never a default one).
        expect(aks).toBe(true);
        expect(providerUrn).toBe(explicitKubernetes);
        expect(providerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(provider?.newState).toMatchObject({
          type: "pulumi:providers:kubernetes",
          custom: true,
          parent: stackUrn,
        });
        continue;
      }
      expect(providerUrn).toMatch(
        new RegExp(`^urn:pulumi:${stack}::engram-infra::pulumi:providers:${pkg}::default_\\d+_\\d+_\\d+`),
      );
      expect(providerId).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
      expect(provider?.newState).toMatchObject({ type: `pulumi:providers:${pkg}`, custom: true, parent: "" });
    }
    // No default Kubernetes provider: it would read the deploying machine's kubeconfig.
    expect(index.ofType("pulumi:providers:kubernetes").map((p) => p.urn)).toEqual(
      aks ? [explicitKubernetes] : [],
    );
    // A provider resource has no provider of its own (the engine invents none for it).
    const providerSteps = result.plan.steps.filter((s) => s.newState.type.startsWith("pulumi:providers:"));
    expect(
      providerSteps.filter((s) => s.provider !== undefined || s.newState.provider !== undefined),
    ).toEqual([]);
    expect(providerSteps.map((s) => s.newState.type.split(":")[2]).sort()).toEqual(
      [
        "azure-native",
        "azuread",
        "random",
        "time",
        // tls: the Temporal mTLS certificates (prod).
        ...(result.config.decisions.temporalMtls.value ? ["tls"] : []),
        ...(aks ? ["kubernetes"] : []),
      ].sort(),
    );
    const azure = index.get(
      `urn:pulumi:${stack}::engram-infra::pulumi:providers:azure-native::default_3_28_0`,
    );
    expect(azure?.newState.inputs).toEqual({ version: "3.28.0" });
  });

  it("lists only URNs of the plan in dependencies, and every property dependency among them", () => {
    for (const s of result.plan.steps) {
      for (const d of s.newState.dependencies) expect(index.get(d)).toBeDefined();
      for (const urns of Object.values(s.newState.propertyDependencies))
        for (const d of urns) expect(s.newState.dependencies).toContain(d);
    }
  });

  it("captures parent: a ServiceIdentity's managed identity is its child, the component the Stack's", () => {
    const component = index.one("engram:identity:ServiceIdentity", "id-backend");
    expect(component.urn).toBe(
      `urn:pulumi:${stack}::engram-infra::engram:identity:ServiceIdentity::id-backend`,
    );
    expect(component.newState.parent).toBe(stackUrn);
    const mi = index.one("azure-native:managedidentity:UserAssignedIdentity", "id-backend-mi");
    expect(mi.urn).toBe(
      `urn:pulumi:${stack}::engram-infra::engram:identity:ServiceIdentity$azure-native:managedidentity:UserAssignedIdentity::id-backend-mi`,
    );
    expect(mi.newState.parent).toBe(component.urn);
    expect(index.descendants(component.urn)).toContain(mi);
  });

  it("captures dependencies: the managed identity depends on the resource group whose name it uses", () => {
    const rg = index.one("azure-native:resources:ResourceGroup", "rg");
    const mi = index.one("azure-native:managedidentity:UserAssignedIdentity", "id-backend-mi");
    expect(mi.newState.inputs.resourceGroupName).toBe(`rg-engram-${stack}`);
    expect(mi.newState.dependencies).toContain(rg.urn);
    expect(mi.newState.propertyDependencies.resourceGroupName).toEqual([rg.urn]);
    expect(mi.newState.propertyDependencies.resourceName).toEqual([]);
  });

  it("captures protect: the resource group is protected in higher environments only", () => {
    const rg = index.one("azure-native:resources:ResourceGroup", "rg");
    expect(rg.newState.protect).toBe(stack !== "dev");
    expect(
      index.one("azure-native:managedidentity:UserAssignedIdentity", "id-backend-mi").newState.protect,
    ).toBe(false);
  });

  it("reports the secret placeholder for azureAiKey as an info diagnostic", () => {
    expect(result.plan.diagnostics).toEqual([
      {
        urn: stackUrn,
        prefix: "info: ",
        message:
          "engram:azureAiKey is not in the stack file (CI sets it); the offline plan used a secret placeholder. Set it with `pulumi config set --secret engram:azureAiKey <value>`\n",
        color: "never",
        severity: "info",
      },
    ]);
    expect(result.plan.config["engram:azureAiKey"]).toBe("[secret]");
  });
});

describe.each(ENVIRONMENTS)("protect in %s", (env) => {
  it("follows protectResources: on in uat, staging and prod, off in dev and test", async () => {
    const { index } = await planOk(env);
    const protectedTypes = new Set(index.steps.filter((s) => s.newState.protect).map((s) => s.newState.type));
    if (["uat", "staging", "prod"].includes(env))
      expect(protectedTypes).toContain("azure-native:resources:ResourceGroup");
    else expect([...protectedTypes]).toEqual([]);
  });
});

// Determinism: every stack, planned again from another checkout path, locale and time zone, is
// byte-identical to this run's plans (tests/determinism.test.ts).

describe("stack names are free", () => {
  // A free stack name planned from the prod stack file (names, URNs, suffix, protect): the plan
  // command's test, tests/plan-cli.test.ts › "GIVEN --stack-file without --stack".

  // engram:nameSuffix: the per-type limits and rules are tests/naming.test.ts.
  it("GIVEN the staging stack with a 6-character suffix THEN every name the program builds fits (plan)", async () => {
    // staging's shared variant (every secret fed, which names nothing these checks read).
    expect(STAGING_FED.set["engram:nameSuffix"]).toBe("zz9zz9");
    const { index } = await planOk("staging", STAGING_FED);
    const nameInputs: Record<string, [input: string, kind: ResourceKind]> = {
      "azure-native:resources:ResourceGroup": ["resourceGroupName", "resourceGroup"],
      "azure-native:keyvault:Vault": ["vaultName", "keyVault"],
      "azure-native:storage:StorageAccount": ["accountName", "storageAccount"],
      "azure-native:managedidentity:UserAssignedIdentity": ["resourceName", "userAssignedIdentity"],
      "azure-native:app:ContainerApp": ["containerAppName", "containerApp"],
      "azure-native:app:ManagedEnvironment": ["environmentName", "containerAppsEnvironment"],
      "azure-native:dbforpostgresql:Server": ["serverName", "postgresServer"],
      "azure-native:operationalinsights:Workspace": ["workspaceName", "logAnalyticsWorkspace"],
      "azure-native:web:StaticSite": ["name", "staticWebApp"],
    };
    let checked = 0;
    for (const [type, [input, kind]] of Object.entries(nameInputs))
      for (const step of index.ofType(type)) {
        const name = step.newState.inputs[input];
        if (typeof name !== "string") continue;
        expect(checkName(kind, name)).toBe(name);
        checked++;
      }
    // At least the resource group and the four service identities.
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(index.one("azure-native:resources:ResourceGroup").newState.inputs.resourceGroupName).toBe(
      "rg-engram-staging",
    );
  });
});

describe.each(ENVIRONMENTS)("the committed %s stack", (env) => {
  // The global setup's run, which every test of this stack reads; tests/plan-cli.test.ts plans a stack file through the CLI.
  it("plans cleanly, with no warning or error diagnostics", async () => {
    const r = await planOk(env);
    expect(r.config.environment).toBe(env);
    expect(r.plan.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    expect(r.index.resources.length).toBeGreaterThan(5);
  });
});
