import { ENVIRONMENTS } from "./helpers/plan";
import { BOOTSTRAP_RG, idOf, roleDef, SUB } from "./helpers/fake-estate";
import { AKS_CHANGE } from "./helpers/variants";
import { harness } from "./helpers/validate-harness";

/**
 * `npm run validate`: the checks that read ARM and Graph (managed identities, Key Vault readers,
 * Postgres, Storage, runtime ingress, the AKS cluster, the deployer identities), each shown to PASS
 * on the estate its plan describes and to FAIL, with its exact reason, when one thing is broken.
 */
const h = harness();
const KV_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const USER_ACCESS_ADMIN = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
const KV_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
const rgId = (env: string) => `/subscriptions/${SUB}/resourceGroups/rg-engram-${env}`;

describe.each(ENVIRONMENTS)("%s: identity.roles, exactly the planned role assignments", (env) => {
  beforeEach(() => h.stack(env));
  it("PASS on the planned assignments, one evidence line per identity", async () => {
    const r = await h.check("identity.roles");
    // staging and prod run the WAF (Pulumi.staging.yaml opts in): its gateway has an identity too;
    // prod runs on AKS: the cluster's control-plane and kubelet identities are planned too.
    const n = { dev: 5, test: 5, uat: 5, staging: 6, prod: 8 }[env];
    expect(r).toMatchObject({
      status: "PASS",
      reason: `${n} service identities hold exactly their planned role assignments`,
    });
    expect(r.evidence).toHaveLength(n);
  });
  it("FAIL on an unplanned Contributor and a missing secret grant", async () => {
    const backend = idOf("principal backend");
    const worker = idOf("principal worker");
    h.fake.state.assignments.push({
      principalId: backend,
      roleDefinitionId: roleDef(CONTRIBUTOR),
      scope: rgId(env),
    });
    const i = h.fake.state.assignments.findIndex(
      (a) => a.principalId === worker && a.scope.endsWith("/secrets/zep-api-key"),
    );
    const [removed] = h.fake.state.assignments.splice(i, 1);
    expect((await h.check("identity.roles")).reason).toBe(
      `backend: unplanned Contributor on ${rgId(env)}; worker: missing Key Vault Secrets User on ${removed.scope}`,
    );
  });
});

describe("identity.roles: the identities the stack outputs", () => {
  beforeEach(() => h.stack("dev"));
  it("FAIL when the stack's client id is not the identity's", async () => {
    const r = await h.check("identity.roles", {
      outputs: { serviceIdentityClientIds: { ...h.outputs.serviceIdentityClientIds, zep: "not-zep" } },
    });
    expect(r.reason).toBe(
      `zep: the stack's client id not-zep is not id-engram-dev-zep's (${idOf("client zep")})`,
    );
  });
  it("SKIP when the signed-in identity may not read role assignments (403)", async () => {
    h.fake.state.status.set(
      `/arm/subscriptions/${SUB}/resourcegroups/rg-engram-dev/providers/microsoft.authorization/roleassignments`,
      403,
    );
    expect(await h.check("identity.roles")).toMatchObject({
      status: "SKIP",
      reason: `GET /subscriptions/${SUB}/resourceGroups/rg-engram-dev/providers/Microsoft.Authorization/roleAssignments: HTTP 403: the signed-in identity may not read it (it needs read access there)`,
    });
  });
  it("PASS, naming what it could not read, when a scope outside the group (the AI account) answers 403", async () => {
    const ai = h.expected.grants.find(
      (g) => g.line === "backend -> Cognitive Services OpenAI User on ai-account",
    )!.scope;
    h.fake.state.status.set(`/arm${ai}/providers/Microsoft.Authorization/roleAssignments`.toLowerCase(), 403);
    const r = await h.check("identity.roles");
    expect(r).toMatchObject({
      status: "PASS",
      reason: `5 service identities hold exactly their planned role assignments (not readable, so not checked: ${ai})`,
    });
    expect(r.evidence).toContain(`not readable by the signed-in identity (403): ${ai}`);
  });
});

describe("keyvault.readers: the vault's secret readers are the planned ones", () => {
  beforeEach(() => h.stack("uat"));
  it("PASS with every planned reader, listed per secret", async () => {
    const r = await h.check("keyvault.readers");
    expect(r.status).toBe("PASS");
    expect(r.reason).toMatch(/^\d+ secret-reader assignments in kv-engram-uat-\w+, exactly as planned$/);
    expect(r.evidence).toContain("zep-api-key <- zep (Key Vault Secrets User)");
  });
  it("FAIL on a group reading every secret through the resource group", async () => {
    const group = "99999999-0000-4000-8000-000000000009";
    h.fake.state.assignments.push({
      principalId: group,
      roleDefinitionId: roleDef(KV_SECRETS_USER),
      scope: rgId("uat"),
    });
    expect((await h.check("keyvault.readers")).reason).toBe(
      `unplanned reader: principal ${group} has Key Vault Secrets User on ${rgId("uat")}`,
    );
  });
  it("FAIL on a planned reader that is missing and on a Secrets Officer (it reads values too)", async () => {
    const zep = idOf("principal zep");
    const i = h.fake.state.assignments.findIndex(
      (a) => a.principalId === zep && a.scope.endsWith("/secrets/zep-api-key"),
    );
    const [removed] = h.fake.state.assignments.splice(i, 1);
    h.fake.state.assignments.push({
      principalId: zep,
      roleDefinitionId: roleDef(KV_SECRETS_OFFICER),
      scope: removed.scope,
    });
    expect((await h.check("keyvault.readers")).reason).toBe(
      `missing: zep -> Key Vault Secrets User on kv-secret:zep-api-key; unplanned reader: zep has Key Vault Secrets Officer on ${removed.scope}`,
    );
  });
});

describe.each(ENVIRONMENTS)("%s: data.postgres and data.storage follow the matrix", (env) => {
  const higher = !["dev", "test"].includes(env);
  beforeEach(() => h.stack(env));
  it("PASS on the planned settings", async () => {
    expect((await h.check("data.postgres")).status).toBe("PASS");
    expect((await h.check("data.storage")).status).toBe("PASS");
  });
  it("FAIL when the application database's password auth is not what the matrix says", async () => {
    const app = h.outputs.postgresAppHost.split(".")[0];
    const server = h.fake.state.arm.get(
      `${rgId(env)}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${app}`.toLowerCase(),
    ) as {
      properties: { authConfig: Record<string, string> };
    };
    server.properties.authConfig.passwordAuth = higher ? "Enabled" : "Disabled";
    expect(await h.check("data.postgres")).toMatchObject({
      status: "FAIL",
      reason: higher
        ? `${app}: password auth is Enabled, expected Disabled (the matrix: application database password auth off in ${env})`
        : `${app}: password auth is Disabled, expected Enabled (the matrix: application database password auth allowed in ${env})`,
    });
  });
  it("FAIL when shared keys differ from the matrix and a container is public", async () => {
    const st =
      `${rgId(env)}/providers/Microsoft.Storage/storageAccounts/${h.outputs.storageAccountName}`.toLowerCase();
    (h.fake.state.arm.get(st) as { properties: Record<string, unknown> }).properties.allowSharedKeyAccess =
      higher;
    h.fake.state.arm.set(`${st}/blobservices/default/containers`, [
      { name: "engram-data", properties: { publicAccess: "Blob" } },
    ]);
    expect((await h.check("data.storage")).reason).toBe(
      `shared key access is ${higher ? "allowed" : "off"}; the matrix has it ${higher ? "off" : "allowed"} in ${env}; ` +
        "the container engram-data allows public access (Blob)",
    );
  });
});

describe("data.storage: the firewall as planned", () => {
  beforeEach(() => h.stack("dev"));
  it("FAIL when the default action is Allow and an IP range is added", async () => {
    const st =
      `${rgId("dev")}/providers/Microsoft.Storage/storageAccounts/${h.outputs.storageAccountName}`.toLowerCase();
    (h.fake.state.arm.get(st) as { properties: Record<string, unknown> }).properties.networkAcls = {
      defaultAction: "Allow",
      ipRules: [
        { value: "203.0.113.0/24", action: "Allow" },
        { value: "0.0.0.0/0", action: "Allow" },
      ],
    };
    expect((await h.check("data.storage")).reason).toBe(
      "the firewall's default action is Allow, expected Deny; the firewall allows 0.0.0.0/0, 203.0.113.0/24, planned 203.0.113.0/24",
    );
  });
});

describe("data.postgres and data.storage: the settings the matrix does not decide", () => {
  beforeEach(() => h.stack("prod"));
  it("data.postgres: FAIL on Entra auth off, public network access and an unplanned administrator", async () => {
    const app = h.outputs.postgresAppHost.split(".")[0];
    const base = `${rgId("prod")}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${app}`.toLowerCase();
    const server = h.fake.state.arm.get(base) as { properties: Record<string, Record<string, string>> };
    server.properties.authConfig.activeDirectoryAuth = "Disabled";
    server.properties.network.publicNetworkAccess = "Enabled";
    (h.fake.state.arm.get(`${base}/administrators`) as unknown[]).push({
      name: "intruder",
      properties: { objectId: "intruder", principalType: "User" },
    });
    expect((await h.check("data.postgres")).reason).toBe(
      `${app}: Entra auth is Disabled, expected Enabled; ${app}: public network access is Enabled, expected Disabled; ${app}: unplanned Entra administrator intruder`,
    );
  });
  it("data.storage: FAIL on blob public access, public network access and a missing container", async () => {
    const st =
      `${rgId("prod")}/providers/Microsoft.Storage/storageAccounts/${h.outputs.storageAccountName}`.toLowerCase();
    const props = (h.fake.state.arm.get(st) as { properties: Record<string, unknown> }).properties;
    props.allowBlobPublicAccess = true;
    props.publicNetworkAccess = "Enabled";
    h.fake.state.arm.set(`${st}/blobservices/default/containers`, []);
    expect((await h.check("data.storage")).reason).toBe(
      "allowBlobPublicAccess is true, expected false; public network access is Enabled, expected Disabled; the container engram-data does not exist",
    );
  });
});

describe("data.postgres: an Entra administrator", () => {
  beforeEach(() => h.stack("prod"));
  it("FAIL when a server has none", async () => {
    const app = h.outputs.postgresAppHost.split(".")[0];
    h.fake.state.arm.set(
      `${rgId("prod")}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${app}/administrators`.toLowerCase(),
      [],
    );
    const planned = h.expected.postgres.find((p) => p.name === app)!.admins[0];
    expect((await h.check("data.postgres")).reason).toBe(
      `${app}: no Entra administrator; ${app}: the planned Entra administrator ${planned} is not set`,
    );
  });
});

describe("runtime: Zep and Temporal internal, the Temporal UI gated, the AKS cluster private", () => {
  beforeEach(() => h.stack("dev"));
  const app = (name: string) =>
    h.fake.state.arm.get(`${rgId("dev")}/providers/Microsoft.App/containerApps/${name}`.toLowerCase()) as {
      properties: { configuration: { ingress: Record<string, unknown> } };
    };
  it("PASS on internal ingress and the planned allowlist", async () => {
    expect((await h.check("runtime.internal")).reason).toBe(
      "Zep and the Temporal server have internal ingress only",
    );
    expect((await h.check("runtime.temporal-ui")).reason).toBe(
      "the Temporal UI is gated as planned (internal, allowlist 203.0.113.0/24)",
    );
  });
  it("FAIL when Zep's ingress is external", async () => {
    app("ca-engram-dev-zep").properties.configuration.ingress.external = true;
    expect((await h.check("runtime.internal")).reason).toBe(
      "ca-engram-dev-zep (zep) has external ingress (true); it must be internal",
    );
  });
  it("FAIL when the Temporal UI allows the whole internet", async () => {
    const ingress = app("ca-engram-dev-temporal-ui").properties.configuration.ingress;
    (ingress.ipSecurityRestrictions as unknown[]).push({
      name: "all",
      action: "Allow",
      ipAddressRange: "0.0.0.0/0",
    });
    expect((await h.check("runtime.temporal-ui")).reason).toBe(
      'ca-engram-dev-temporal-ui: IP allowlist is ["0.0.0.0/0","203.0.113.0/24"], planned ["203.0.113.0/24"]',
    );
  });
  it("FAIL when the Temporal UI's ingress is external", async () => {
    app("ca-engram-dev-temporal-ui").properties.configuration.ingress.external = true;
    expect((await h.check("runtime.temporal-ui")).reason).toBe(
      "ca-engram-dev-temporal-ui: ingress external is true, planned false",
    );
  });
  it("SKIP both on AKS, saying why; runtime.cluster SKIPs on ACA", async () => {
    for (const id of ["runtime.internal", "runtime.temporal-ui"])
      expect((await h.check(id, { expected: { runtime: "aks", cluster: "aks-engram-dev" } })).reason).toBe(
        "runtime aks: ClusterIP Services and network policies are Kubernetes objects behind the private API server, which validate does not read; the plan's policies are proven offline (tests)",
      );
    expect(await h.check("runtime.cluster")).toMatchObject({
      status: "SKIP",
      reason: "runtime aca: no AKS cluster in this environment",
    });
  });
  it("runtime.cluster: PASS on a private cluster, FAIL on a public API server with local accounts", async () => {
    const aks = { expected: { runtime: "aks" as const, cluster: "aks-engram-dev" } };
    const path =
      `${rgId("dev")}/providers/Microsoft.ContainerService/managedClusters/aks-engram-dev`.toLowerCase();
    const props = {
      apiServerAccessProfile: { enablePrivateCluster: true },
      disableLocalAccounts: true,
      aadProfile: { enableAzureRbac: true },
      networkProfile: { networkPolicy: "cilium" },
    };
    h.fake.state.arm.set(path, { properties: props });
    expect((await h.check("runtime.cluster", aks)).reason).toBe(
      "aks-engram-dev: private API server, Entra with Azure RBAC, no local accounts, a network policy engine",
    );
    h.fake.state.arm.set(path, {
      properties: {
        ...props,
        apiServerAccessProfile: { enablePrivateCluster: false },
        disableLocalAccounts: false,
      },
    });
    expect((await h.check("runtime.cluster", aks)).reason).toBe(
      "aks-engram-dev: the API server is not private (enablePrivateCluster false); aks-engram-dev: local accounts are not disabled",
    );
  });
});

describe("prod on AKS (engram:runtime aks): the cluster is checked, what lives in Kubernetes is a SKIP", () => {
  beforeEach(() => h.stack("prod", AKS_CHANGE.prod));
  it("PASS on the planned identities (the cluster's two included) and the private cluster", async () => {
    expect((await h.check("identity.roles")).reason).toBe(
      "8 service identities hold exactly their planned role assignments",
    );
    expect((await h.check("runtime.cluster")).reason).toBe(
      "aks-engram-prod: private API server, Entra with Azure RBAC, no local accounts, a network policy engine",
    );
    expect((await h.check("runtime.internal")).status).toBe("SKIP");
    expect((await h.check("runtime.temporal-ui")).status).toBe("SKIP");
  });
  it("FAIL when the kubelet identity holds an unplanned role and the cluster has no network policy engine", async () => {
    h.fake.state.assignments.push({
      principalId: idOf("principal aks-kubelet"),
      roleDefinitionId: roleDef(CONTRIBUTOR),
      scope: rgId("prod"),
    });
    const cluster = h.fake.state.arm.get(
      `${rgId("prod")}/providers/Microsoft.ContainerService/managedClusters/aks-engram-prod`.toLowerCase(),
    ) as {
      properties: { networkProfile: Record<string, unknown> };
    };
    cluster.properties.networkProfile = {};
    expect((await h.check("identity.roles")).reason).toBe(
      `aks-kubelet: unplanned Contributor on ${rgId("prod")}`,
    );
    expect((await h.check("runtime.cluster")).reason).toBe("aks-engram-prod: no network policy engine");
  });
  it("FAIL when Kubernetes authorization is not Azure RBAC", async () => {
    const cluster = h.fake.state.arm.get(
      `${rgId("prod")}/providers/Microsoft.ContainerService/managedClusters/aks-engram-prod`.toLowerCase(),
    ) as { properties: { aadProfile: Record<string, unknown> } };
    cluster.properties.aadProfile.enableAzureRbac = false;
    expect((await h.check("runtime.cluster")).reason).toBe(
      "aks-engram-prod: Azure RBAC for Kubernetes authorization is off",
    );
  });
});

describe("cicd: the deployer identities", () => {
  beforeEach(() => h.stack("staging"));
  const creds = (kind: string) =>
    `${BOOTSTRAP_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-engram-staging-${kind}/federatedIdentityCredentials`.toLowerCase();
  it("PASS: federated credentials only, bound to the expected subjects; roles only on the environment's group and state", async () => {
    expect((await h.check("cicd.oidc")).reason).toBe(
      "the plan and apply identities trust exactly their GitHub subjects, OIDC only",
    );
    expect((await h.check("cicd.scope")).reason).toBe(
      "the deployer identities hold roles only on rg-engram-staging and their own state",
    );
  });
  it("FAIL on a credential for a fork's branch and a client secret", async () => {
    (h.fake.state.arm.get(creds("apply")) as unknown[]).push({
      name: "github-main",
      properties: {
        issuer: "https://token.actions.githubusercontent.com",
        subject: "repo:someone/fork:ref:refs/heads/main",
        audiences: ["api://AzureADTokenExchange"],
      },
    });
    h.fake.state.graph.servicePrincipals[0].passwordCredentials = [{ keyId: "s1" }];
    expect((await h.check("cicd.oidc")).reason).toBe(
      "id-engram-staging-plan: its service principal holds 1 client secrets or certificates; OIDC only; " +
        "id-engram-staging-apply: unexpected federated credential github-main=repo:someone/fork:ref:refs/heads/main",
    );
  });
  it("FAIL on a credential that trusts another issuer or audience, and on a missing one", async () => {
    const plan = h.fake.state.arm.get(creds("plan")) as {
      name: string;
      properties: Record<string, unknown>;
    }[];
    plan[0].properties.issuer = "https://token.example.com";
    plan[1].properties.audiences = ["api://other"];
    (h.fake.state.arm.get(creds("apply")) as unknown[]).length = 0;
    expect((await h.check("cicd.oidc")).reason).toBe(
      "id-engram-staging-plan: github-pull-request trusts issuer https://token.example.com; " +
        'id-engram-staging-plan: github-env-staging-preview has audiences ["api://other"]; ' +
        "id-engram-staging-apply: no federated credential github-env-staging=repo:engram-org/engram-infra:environment:staging",
    );
  });
  it("PASS, saying what was not checked, when Graph may not be read; SKIP without the repository", async () => {
    h.fake.state.status.set("/graph/v1.0/serviceprincipals", 403);
    expect((await h.check("cicd.oidc")).reason).toBe(
      "the plan and apply identities trust exactly their GitHub subjects, OIDC only (client secrets not checked: Microsoft Graph answered 403)",
    );
    expect((await h.check("cicd.oidc", { repo: null })).status).toBe("SKIP");
  });
  it("FAIL on Contributor on another environment's group; PASS with a note when the subscription may not be read", async () => {
    const plan = idOf("principal id-engram-staging-plan");
    h.fake.state.assignments.push({
      principalId: plan,
      roleDefinitionId: roleDef(CONTRIBUTOR),
      scope: rgId("prod"),
    });
    expect((await h.check("cicd.scope")).reason).toBe(
      `id-engram-staging-plan: Contributor on ${rgId("prod")}, outside rg-engram-staging`,
    );
    h.fake.state.status.set(
      `/arm/subscriptions/${SUB}/providers/microsoft.authorization/roleassignments`,
      403,
    );
    expect(await h.check("cicd.scope")).toMatchObject({
      status: "PASS",
      reason: `the deployer identities hold roles only on rg-engram-staging and their own state (not readable, so not checked: /subscriptions/${SUB})`,
    });
  });
  it("FAIL on another environment's state and User Access Administrator", async () => {
    const plan = idOf("principal id-engram-staging-plan");
    const prodState = `${BOOTSTRAP_RG}/providers/Microsoft.Storage/storageAccounts/stengramstateab12cd/blobServices/default/containers/state-prod`;
    h.fake.state.assignments.push(
      {
        principalId: plan,
        roleDefinitionId: roleDef("ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
        scope: prodState,
      },
      { principalId: plan, roleDefinitionId: roleDef(USER_ACCESS_ADMIN), scope: rgId("staging") },
    );
    expect((await h.check("cicd.scope")).reason).toBe(
      `id-engram-staging-plan: User Access Administrator on ${rgId("staging")}, a role the deployers never hold; ` +
        `id-engram-staging-plan: Storage Blob Data Contributor on ${prodState}, outside rg-engram-staging`,
    );
  });
  it("FAIL on Owner at the subscription and an unconditioned RBAC administrator", async () => {
    const apply = idOf("principal id-engram-staging-apply");
    h.fake.state.assignments.push({
      principalId: apply,
      roleDefinitionId: roleDef(OWNER),
      scope: `/subscriptions/${SUB}`,
    });
    delete h.fake.state.assignments.find((a) => a.principalId === apply && a.condition)!.condition;
    expect((await h.check("cicd.scope")).reason).toBe(
      `id-engram-staging-apply: Owner on /subscriptions/${SUB}, outside rg-engram-staging; ` +
        `id-engram-staging-apply: Owner on /subscriptions/${SUB}, a role the deployers never hold; ` +
        `id-engram-staging-apply: Role Based Access Control Administrator on ${rgId("staging")} without the condition that limits which roles it assigns`,
    );
  });
});

describe("validate only reads", () => {
  // The runtime's check that PASSes: the cluster on AKS (prod), the internal ingress on Container
  // Apps (staging; runtime.internal SKIPs on AKS, tests above).
  it.each([
    ["prod", "runtime.cluster"],
    ["staging", "runtime.internal"],
  ])("every request a full run makes on %s is a GET (%s included)", async (stack, runtimeCheck) => {
    await h.stack(stack);
    for (const id of [
      "identity.roles",
      "keyvault.readers",
      "data.postgres",
      "data.storage",
      runtimeCheck,
      "cicd.oidc",
      "cicd.scope",
      "tokens.app-registration",
    ])
      expect({ id, status: (await h.check(id)).status }).toEqual({ id, status: "PASS" });
    expect(h.fake.requests.length).toBeGreaterThan(20);
    expect(h.fake.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(h.fake.requests.filter((r) => /^\/(arm|graph)\//.test(r.path) && !r.authorized)).toEqual([]);
  });
});
