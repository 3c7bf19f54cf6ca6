import { ASSIGNABLE_ROLES, BOOTSTRAP_ROLES, BUILT_IN_ROLES, FORBIDDEN_ROLES } from "../../lib/roles";
import { GRAPH_APP_ROLES, LOCK_OPERATOR_ACTIONS } from "../components/environmentAccess";
import { BootstrapConfigError, validateBootstrapConfig } from "../src/config";
import {
  applyIdentityName,
  defaultNameSuffix,
  Environment,
  ENVIRONMENTS,
  lockOperatorRoleGuid,
  planIdentityName,
  roleAssignmentName,
  stateKeyVaultName,
  stateStorageAccountName,
} from "../src/names";
import { assignableRoleGuidsFor, rbacAdministratorCondition } from "../src/rbacCondition";
import {
  BASE_CONFIG,
  bootstrapRun,
  GRAPH_SP_OBJECT_ID,
  Registration,
  Run,
  runBootstrap,
  SUB,
  TENANT,
} from "./harness";

const T = {
  rg: "azure-native:resources:ResourceGroup",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  fic: "azure-native:managedidentity:FederatedIdentityCredential",
  assignment: "azure-native:authorization:RoleAssignment",
  roleDefinition: "azure-native:authorization:RoleDefinition",
  account: "azure-native:storage:StorageAccount",
  blobService: "azure-native:storage:BlobServiceProperties",
  container: "azure-native:storage:BlobContainer",
  vault: "azure-native:keyvault:Vault",
  key: "azure-native:keyvault:Key",
  lock: "azure-native:authorization:ManagementLockByScope",
  graph: "azuread:index/appRoleAssignment:AppRoleAssignment",
  ghEnv: "github:index/repositoryEnvironment:RepositoryEnvironment",
  ghPolicy: "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  ghVar: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
};

const ROLE_NAME_BY_GUID: Record<string, string> = Object.fromEntries([
  ...Object.entries(BUILT_IN_ROLES).map(([n, g]) => [g, n]),
  ...Object.entries(BOOTSTRAP_ROLES).map(([n, g]) => [g, n]),
]);

const guidOf = (roleDefinitionId: unknown): string => String(roleDefinitionId).split("/").pop() ?? "";
const identityOf = (run: Run, env: Environment, kind: "plan" | "apply"): Registration => {
  const found = run.of(T.identity).find((r) => r.inputs.resourceName === `id-engram-${env}-${kind}`);
  if (!found) throw new Error(`no ${kind} identity for ${env}`);
  return found;
};
const principalOf = (run: Run, env: Environment, kind: "plan" | "apply"): string =>
  String(identityOf(run, env, kind).outputs.principalId);
const assignmentsOf = (run: Run, principalId: string): Registration[] =>
  run.of(T.assignment).filter((a) => a.inputs.principalId === principalId);
const rgId = (name: string): string => `/subscriptions/${SUB}/resourceGroups/${name}`;
const containerId = (run: Run, env: Environment): string =>
  `${rgId("rg-engram-bootstrap")}/providers/Microsoft.Storage/storageAccounts/${String(run.of(T.account)[0].inputs.accountName)}/blobServices/default/containers/state-${env}`;
const keyId = (run: Run, env: Environment): string =>
  `${rgId("rg-engram-bootstrap")}/providers/Microsoft.KeyVault/vaults/${String(run.of(T.vault)[0].inputs.vaultName)}/keys/pulumi-${env}`;

/** The role GUIDs inside `@<source>[...RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {…}` after `ActionMatches{<action>}`. */
function conditionRoleGuids(
  condition: string,
  action: "write" | "delete",
  source: "Request" | "Resource",
): string[] {
  const re = new RegExp(
    String.raw`!\(ActionMatches\{'Microsoft\.Authorization/roleAssignments/${action}'\}\)\s*\)\s*OR\s*\(\s*` +
      String.raw`@${source}\[Microsoft\.Authorization/roleAssignments:RoleDefinitionId\] ForAnyOfAnyValues:GuidEquals \{([^}]*)\}`,
  );
  const match = re.exec(condition);
  if (!match) throw new Error(`no ${action}/${source} role clause in condition:\n${condition}`);
  return match[1].split(",").map((g) => g.trim());
}

describe("bootstrap names and ids: lib/'s rules, the bootstrap's scheme (literal values)", () => {
  // Computed once with the bootstrap's original code. A change here renames role assignments, the
  // lock-operator roles or the state backend in every bootstrapped subscription (delete + create).
  it("names a role assignment UUID v5 of (scope, principal, role GUID), ignoring case", () => {
    const scope = `/subscriptions/${SUB}/resourceGroups/RG-Engram-Prod`;
    const name = roleAssignmentName(
      scope,
      "5AD6EAFE-7be2-4eff-acaa-754dad04ccd6",
      "B24988AC-6180-42a0-ab88-20f7382dd24c",
    );
    expect(name).toBe("2468a019-7217-5ca2-b7d1-f697b7f168f0");
    expect(
      roleAssignmentName(
        scope.toLowerCase(),
        "5ad6eafe-7be2-4eff-acaa-754dad04ccd6",
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
      ),
    ).toBe(name);
  });

  it("names the lock-operator role per subscription and environment", () => {
    expect(lockOperatorRoleGuid(SUB, "prod")).toBe("c96e24a6-8631-5b90-b795-3dd44b865c5c");
    expect(lockOperatorRoleGuid(SUB.toUpperCase(), "prod")).toBe("c96e24a6-8631-5b90-b795-3dd44b865c5c");
  });

  it("derives the default suffix from the subscription, ignoring case", () => {
    expect(defaultNameSuffix(SUB)).toBe("666ff6");
    expect(defaultNameSuffix(SUB.toUpperCase())).toBe("666ff6");
  });

  it("names the state backend and the deployer identities", () => {
    expect(stateStorageAccountName("666ff6")).toBe("stengramstate666ff6");
    expect(stateKeyVaultName("666ff6")).toBe("kv-engram-state-666ff6");
    expect(planIdentityName("staging")).toBe("id-engram-staging-plan");
    expect(applyIdentityName("staging")).toBe("id-engram-staging-apply");
  });
});

describe("bootstrap config (pure validation, exact messages)", () => {
  it("GIVEN the minimal config THEN defaults are derived deterministically", () => {
    const config = validateBootstrapConfig(BASE_CONFIG);
    expect(config.nameSuffix).toBe(defaultNameSuffix(SUB));
    expect(config.nameSuffix).toMatch(/^[0-9a-f]{6}$/);
    expect(config.resourceGroups).toEqual({
      dev: "rg-engram-dev",
      test: "rg-engram-test",
      uat: "rg-engram-uat",
      staging: "rg-engram-staging",
      prod: "rg-engram-prod",
    });
    expect(config.grantGraphPermissions).toBe(false);
    expect(config.manageGithub).toBe(false);
    expect(config.tags).toEqual({ owner: "platform", costCenter: "cc-1", "managed-by": "pulumi-bootstrap" });
  });

  it("GIVEN no config THEN every required key is reported at once, naming key, value and rule", () => {
    expect(() => validateBootstrapConfig({})).toThrow(
      new BootstrapConfigError([
        "engram-bootstrap:subscriptionId=(not set) is not valid: required; the GUID of the subscription to bootstrap",
        "engram-bootstrap:tenantId=(not set) is not valid: required; the GUID of the Entra tenant that trusts GitHub's OIDC tokens",
        "engram-bootstrap:location=(not set) is not valid: required; an Azure region name such as westeurope (lower-case letters and digits)",
        "engram-bootstrap:githubOwner=(not set) is not valid: required; a GitHub user or organisation (letters, digits, single hyphens, at most 39)",
        "engram-bootstrap:githubRepo=(not set) is not valid: required; a GitHub repository name (letters, digits, '.', '_', '-', at most 100)",
        'engram-bootstrap:tags=(not set) is not valid: required; a JSON object with non-empty string "owner" and "costCenter" (plus optional strings)',
      ]),
    );
    try {
      validateBootstrapConfig({});
    } catch (e) {
      expect((e as BootstrapConfigError).problems).toHaveLength(6);
    }
  });

  it.each([
    ["subscriptionId", "not-a-guid", "required; the GUID of the subscription to bootstrap"],
    ["tenantId", "1234", "required; the GUID of the Entra tenant that trusts GitHub's OIDC tokens"],
    [
      "location",
      "West Europe",
      "required; an Azure region name such as westeurope (lower-case letters and digits)",
    ],
    [
      "githubOwner",
      "-contoso",
      "required; a GitHub user or organisation (letters, digits, single hyphens, at most 39)",
    ],
    [
      "githubOwner",
      "con--toso",
      "required; a GitHub user or organisation (letters, digits, single hyphens, at most 39)",
    ],
    [
      "githubRepo",
      "engram infra",
      "required; a GitHub repository name (letters, digits, '.', '_', '-', at most 100)",
    ],
    ["githubRepo", "..", "required; a GitHub repository name (letters, digits, '.', '_', '-', at most 100)"],
    ["nameSuffix", "AB1", "3-6 lower-case letters or digits (storage account and vault names are global)"],
    [
      "nameSuffix",
      "abcdefg",
      "3-6 lower-case letters or digits (storage account and vault names are global)",
    ],
    ["grantGraphPermissions", "yes", "true or false"],
    ["manageGithub", "1", "true or false"],
    [
      "tags",
      '{"owner":"platform"}',
      'required; a JSON object with non-empty string "owner" and "costCenter" (plus optional strings)',
    ],
    [
      "tags",
      '{"owner":"p","costCenter":"c","n":1}',
      'required; a JSON object with non-empty string "owner" and "costCenter" (plus optional strings)',
    ],
    [
      "resourceGroups",
      "[]",
      "a JSON object mapping some of dev, test, uat, staging, prod to resource group names",
    ],
    [
      "githubReviewers",
      '{"teams":["platform"]}',
      'a JSON object {"teams": [ids], "users": [ids]} of positive integer GitHub ids, at most 6 of each',
    ],
    [
      "githubReviewers",
      '{"users":[1,2,3,4,5,6,7]}',
      'a JSON object {"teams": [ids], "users": [ids]} of positive integer GitHub ids, at most 6 of each',
    ],
    [
      "githubReviewers",
      '{"admins":[1]}',
      'a JSON object {"teams": [ids], "users": [ids]} of positive integer GitHub ids, at most 6 of each',
    ],
    [
      "githubOnwer",
      "contoso",
      "unknown key; known keys are subscriptionId, tenantId, location, githubOwner, githubRepo, nameSuffix, resourceGroups, tags, grantGraphPermissions, manageGithub, githubReviewers, cicdHub",
    ],
  ])("GIVEN %s=%s THEN the one problem names key, value and rule", (key, value, rule) => {
    expect(() => validateBootstrapConfig({ ...BASE_CONFIG, [key]: value })).toThrow(
      new BootstrapConfigError([`engram-bootstrap:${key}=${JSON.stringify(value)} is not valid: ${rule}`]),
    );
  });

  it("GIVEN resourceGroups with an unknown environment, a bad name and a shared group THEN each is reported", () => {
    const raw = {
      ...BASE_CONFIG,
      resourceGroups: JSON.stringify({ qa: "rg-qa", dev: "rg.", prod: "rg-engram-uat" }),
    };
    expect(() => validateBootstrapConfig(raw)).toThrow(
      new BootstrapConfigError([
        'engram-bootstrap:resourceGroups.qa="\\"rg-qa\\"" is not valid: environments are dev, test, uat, staging, prod',
        `engram-bootstrap:resourceGroups.dev="rg." is not valid: 1-90 letters, digits, '_', '-', '.', '(', ')', not ending in '.'`,
        'engram-bootstrap:resourceGroups.prod="rg-engram-uat" is not valid: each environment needs its own resource group (its apply identity is scoped to it); uat uses it too',
      ]),
    );
  });

  it("GIVEN resourceGroups overrides THEN only those environments change", () => {
    const config = validateBootstrapConfig({
      ...BASE_CONFIG,
      resourceGroups: JSON.stringify({ prod: "rg-engram-prod-weu" }),
    });
    expect(config.resourceGroups.prod).toBe("rg-engram-prod-weu");
    expect(config.resourceGroups.uat).toBe("rg-engram-uat");
  });

  it("GIVEN manageGithub=true without reviewers THEN it is refused, because uat+ need approval", () => {
    expect(() => validateBootstrapConfig({ ...BASE_CONFIG, manageGithub: "true" })).toThrow(
      new BootstrapConfigError([
        "engram-bootstrap:githubReviewers=(not set) is not valid: at least one reviewer is required when manageGithub is true (uat, staging and prod need approval)",
      ]),
    );
    expect(() =>
      validateBootstrapConfig({
        ...BASE_CONFIG,
        manageGithub: "true",
        githubReviewers: '{"teams":[],"users":[]}',
      }),
    ).toThrow(
      'engram-bootstrap:githubReviewers="{\\"teams\\":[],\\"users\\":[]}" is not valid: at least one reviewer is required',
    );
    expect(
      validateBootstrapConfig({ ...BASE_CONFIG, manageGithub: "true", githubReviewers: '{"teams":[42]}' })
        .githubReviewers,
    ).toEqual({ teams: [42], users: [] });
  });

  it("GIVEN an invalid config THEN the program registers no resource at all", async () => {
    const { tenantId: _omit, ...withoutTenant } = BASE_CONFIG;
    const run = await bootstrapRun(withoutTenant);
    expect(run.error).toBeInstanceOf(BootstrapConfigError);
    expect(() => {
      throw run.error;
    }).toThrow(
      new BootstrapConfigError([
        "engram-bootstrap:tenantId=(not set) is not valid: required; the GUID of the Entra tenant that trusts GitHub's OIDC tokens",
      ]),
    );
    // Only the root Stack, which the engine registers before the program runs.
    expect(run.registrations.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });
});

describe("the ABAC condition on Role Based Access Control Administrator", () => {
  it("matches Microsoft's documented 'Constrain roles and principal types' example character for character", () => {
    // learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples
    const documented =
      "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'}))";
    const ours = rbacAdministratorCondition(
      ["5e467623-bb1f-42f4-a55d-6e525e11384b", "a795c7a0-d4a2-40c1-ae25-d81f01202912"],
      ["User", "Group"],
    );
    const squash = (s: string) => s.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")");
    expect(squash(ours)).toBe(documented);
  });

  it("refuses an empty role list or a non-GUID role", () => {
    expect(() => rbacAdministratorCondition([])).toThrow(
      "rbacAdministratorCondition: at least one role is required",
    );
    expect(() => rbacAdministratorCondition(["Owner"])).toThrow(
      "rbacAdministratorCondition: not a lower-case GUID: Owner",
    );
  });

  it("allows Contributor only in dev and test (DESIGN.md §4), and never a forbidden role", () => {
    const all = ASSIGNABLE_ROLES.map((r) => BUILT_IN_ROLES[r]);
    expect(assignableRoleGuidsFor("dev")).toEqual(all);
    expect(assignableRoleGuidsFor("test")).toEqual(all);
    for (const env of ["uat", "staging", "prod"] as const) {
      expect(assignableRoleGuidsFor(env)).toEqual(all.filter((g) => g !== BUILT_IN_ROLES.Contributor));
    }
    for (const env of ENVIRONMENTS) {
      for (const forbidden of Object.values(FORBIDDEN_ROLES)) {
        expect(assignableRoleGuidsFor(env)).not.toContain(forbidden);
      }
    }
  });
});

describe("bootstrap program under mocks (default config)", () => {
  let run: Run;
  beforeAll(async () => {
    run = await runBootstrap(BASE_CONFIG);
  });

  it("creates a plan and an apply identity per environment, in the bootstrap group, not the env group", () => {
    expect(run.of(T.identity).map((r) => r.inputs.resourceName)).toEqual(
      ENVIRONMENTS.flatMap((env) => [`id-engram-${env}-plan`, `id-engram-${env}-apply`]),
    );
    for (const identity of run.of(T.identity)) {
      expect(identity.inputs.resourceGroupName).toBe("rg-engram-bootstrap");
    }
  });

  describe.each(ENVIRONMENTS)("federated credentials of %s", (env) => {
    const credsOf = (kind: "plan" | "apply") =>
      run.of(T.fic).filter((c) => c.inputs.resourceName === `id-engram-${env}-${kind}`);

    it("plan trusts exactly pull_request and environment:<env>-preview", () => {
      expect(credsOf("plan").map((c) => c.inputs.subject)).toEqual([
        "repo:contoso/engram-infra:pull_request",
        `repo:contoso/engram-infra:environment:${env}-preview`,
      ]);
    });

    it("apply trusts exactly environment:<env> and nothing else", () => {
      expect(credsOf("apply").map((c) => c.inputs.subject)).toEqual([
        `repo:contoso/engram-infra:environment:${env}`,
      ]);
    });

    it("every credential trusts GitHub's issuer with the token-exchange audience only", () => {
      for (const c of [...credsOf("plan"), ...credsOf("apply")]) {
        expect(c.inputs.issuer).toBe("https://token.actions.githubusercontent.com");
        expect(c.inputs.audiences).toEqual(["api://AzureADTokenExchange"]);
        expect(c.inputs.resourceGroupName).toBe("rg-engram-bootstrap");
      }
    });

    it("credentials on one identity are created one after another (dependsOn the previous)", () => {
      const [first, second] = credsOf("plan");
      const identity = identityOf(run, env, "plan");
      expect(first.dependencies).toContain(identity.urn);
      expect(second.dependencies).toContain(first.urn);
      expect(first.dependencies).not.toContain(second.urn);
    });
  });

  describe.each(ENVIRONMENTS)("role assignments of %s", (env) => {
    it("plan: Reader on its group, Blob Data Contributor on its container, Crypto User on its key — nothing else", () => {
      const got = assignmentsOf(run, principalOf(run, env, "plan")).map((a) => [
        ROLE_NAME_BY_GUID[guidOf(a.inputs.roleDefinitionId)],
        a.inputs.scope,
      ]);
      expect(got.sort()).toEqual(
        [
          ["Reader", rgId(`rg-engram-${env}`)],
          ["Storage Blob Data Contributor", containerId(run, env)],
          ["Key Vault Crypto User", keyId(run, env)],
        ].sort(),
      );
    });

    it("apply: Contributor, conditioned RBAC Administrator and lock operator on its group, plus its state and key", () => {
      const got = assignmentsOf(run, principalOf(run, env, "apply")).map((a) => [
        ROLE_NAME_BY_GUID[guidOf(a.inputs.roleDefinitionId)] ?? guidOf(a.inputs.roleDefinitionId),
        a.inputs.scope,
      ]);
      expect(got.sort()).toEqual(
        [
          ["Contributor", rgId(`rg-engram-${env}`)],
          ["Role Based Access Control Administrator", rgId(`rg-engram-${env}`)],
          [lockOperatorRoleGuid(SUB, env), rgId(`rg-engram-${env}`)],
          ["Storage Blob Data Contributor", containerId(run, env)],
          ["Key Vault Crypto User", keyId(run, env)],
        ].sort(),
      );
    });

    it("the RBAC Administrator condition allows exactly the program's roles, for write and for delete", () => {
      const [admin] = assignmentsOf(run, principalOf(run, env, "apply")).filter(
        (a) =>
          guidOf(a.inputs.roleDefinitionId) === BOOTSTRAP_ROLES["Role Based Access Control Administrator"],
      );
      const condition = String(admin.inputs.condition);
      expect(admin.inputs.conditionVersion).toBe("2.0");
      const expected = [...assignableRoleGuidsFor(env)].sort();
      expect(conditionRoleGuids(condition, "write", "Request").sort()).toEqual(expected);
      expect(conditionRoleGuids(condition, "delete", "Resource").sort()).toEqual(expected);
      const lower = env === "dev" || env === "test";
      expect(expected).toEqual(
        ASSIGNABLE_ROLES.filter((r) => lower || r !== "Contributor")
          .map((r) => BUILT_IN_ROLES[r])
          .sort(),
      );
      // Every GUID in the condition is one of those roles: nothing smuggled in elsewhere.
      const guids = condition.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];
      expect(new Set(guids)).toEqual(new Set(expected));
      expect(condition).toContain(
        "@Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal', 'Group'}",
      );
      expect(condition).toContain(
        "@Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal', 'Group'}",
      );
    });

    it("the lock operator role can manage locks only, assignable only in the environment's group", () => {
      const role = run
        .of(T.roleDefinition)
        .find((r) => r.inputs.roleDefinitionId === lockOperatorRoleGuid(SUB, env));
      expect(role?.inputs.permissions).toEqual([
        { actions: [...LOCK_OPERATOR_ACTIONS], notActions: [], dataActions: [], notDataActions: [] },
      ]);
      expect(role?.inputs.assignableScopes).toEqual([rgId(`rg-engram-${env}`)]);
    });

    it("no identity of this environment can touch another environment's state or key", () => {
      const others = ENVIRONMENTS.filter((e) => e !== env);
      for (const kind of ["plan", "apply"] as const) {
        const scopes = assignmentsOf(run, principalOf(run, env, kind)).map((a) => String(a.inputs.scope));
        for (const other of others) {
          expect(scopes).not.toContain(containerId(run, other));
          expect(scopes).not.toContain(keyId(run, other));
          expect(scopes).not.toContain(rgId(`rg-engram-${other}`));
        }
      }
    });
  });

  it("no assignment anywhere uses Owner or User Access Administrator, or a scope above a resource group", () => {
    const assignments = run.of(T.assignment);
    expect(assignments).toHaveLength(ENVIRONMENTS.length * 8);
    for (const a of assignments) {
      expect(guidOf(a.inputs.roleDefinitionId)).not.toBe(FORBIDDEN_ROLES.Owner);
      expect(guidOf(a.inputs.roleDefinitionId)).not.toBe(FORBIDDEN_ROLES["User Access Administrator"]);
      expect(String(a.inputs.scope)).toMatch(new RegExp(`^/subscriptions/${SUB}/resourceGroups/[^/]+(/|$)`));
      expect(a.inputs.principalType).toBe("ServicePrincipal");
      expect(String(a.inputs.roleDefinitionId)).toMatch(
        new RegExp(
          `^/subscriptions/${SUB}/providers/Microsoft\\.Authorization/roleDefinitions/[0-9a-f-]{36}$`,
        ),
      );
    }
    // Only the RBAC Administrator assignments carry a condition.
    const conditioned = assignments.filter((a) => a.inputs.condition !== undefined);
    expect(conditioned.map((a) => guidOf(a.inputs.roleDefinitionId))).toEqual(
      ENVIRONMENTS.map(() => BOOTSTRAP_ROLES["Role Based Access Control Administrator"]),
    );
  });

  it("names every assignment UUID v5 of (scope, principal, role), all distinct", () => {
    const names = run.of(T.assignment).map((a) => a.inputs.roleAssignmentName);
    for (const a of run.of(T.assignment)) {
      expect(a.inputs.roleAssignmentName).toBe(
        roleAssignmentName(
          String(a.inputs.scope),
          String(a.inputs.principalId),
          guidOf(a.inputs.roleDefinitionId),
        ),
      );
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it("is deterministic: a second run produces the same assignment names and identities", async () => {
    const again = await runBootstrap(BASE_CONFIG);
    const names = (r: Run) => r.of(T.assignment).map((a) => a.inputs.roleAssignmentName);
    expect(names(again)).toEqual(names(run));
    expect(again.of(T.fic).map((c) => c.inputs)).toEqual(run.of(T.fic).map((c) => c.inputs));
  });

  it("hardens the state storage account: Entra only, TLS 1.2, HTTPS, no public blobs, no cross-tenant replication", () => {
    const [account] = run.of(T.account);
    expect(account.inputs).toMatchObject({
      accountName: `stengramstate${defaultNameSuffix(SUB)}`,
      resourceGroupName: "rg-engram-bootstrap",
      kind: "StorageV2",
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      allowCrossTenantReplication: false,
      allowedCopyScope: "AAD",
      isLocalUserEnabled: false,
      isSftpEnabled: false,
    });
    expect(account.protect).toBe(true);
  });

  it("keeps versions, deleted blobs and deleted containers recoverable", () => {
    const [service] = run.of(T.blobService);
    expect(service.inputs).toMatchObject({
      isVersioningEnabled: true,
      deleteRetentionPolicy: { enabled: true, days: 30 },
      containerDeleteRetentionPolicy: { enabled: true, days: 30 },
    });
  });

  it("has one private, protected state container per environment, created after the blob service settings", () => {
    const containers = run.of(T.container);
    expect(containers.map((c) => c.inputs.containerName)).toEqual(ENVIRONMENTS.map((e) => `state-${e}`));
    const service = run.of(T.blobService)[0];
    for (const c of containers) {
      expect(c.inputs.publicAccess).toBe("None");
      expect(c.protect).toBe(true);
      expect(c.dependencies).toContain(service.urn);
    }
  });

  it("uses an RBAC-mode vault with purge protection and 90-day soft delete, and one RSA key per environment", () => {
    const [vault] = run.of(T.vault);
    expect(vault.inputs.properties).toMatchObject({
      tenantId: TENANT,
      enableRbacAuthorization: true,
      enablePurgeProtection: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enabledForDeployment: false,
      enabledForTemplateDeployment: false,
    });
    expect(vault.inputs.properties).not.toHaveProperty("accessPolicies");
    expect(vault.protect).toBe(true);
    const keys = run.of(T.key);
    expect(keys.map((k) => k.inputs.keyName)).toEqual(ENVIRONMENTS.map((e) => `pulumi-${e}`));
    for (const k of keys) {
      expect(k.inputs.properties).toMatchObject({
        kty: "RSA",
        keySize: 3072,
        keyOps: ["encrypt", "decrypt"],
      });
      expect(k.protect).toBe(true);
    }
  });

  it("locks the state account and the vault against deletion", () => {
    const locks = run.of(T.lock);
    const account = run.of(T.account)[0];
    const vault = run.of(T.vault)[0];
    expect(locks.map((l) => [l.inputs.scope, l.inputs.level]).sort()).toEqual(
      [
        [
          `${rgId("rg-engram-bootstrap")}/providers/Microsoft.Storage/storageAccounts/${String(account.inputs.accountName)}`,
          "CanNotDelete",
        ],
        [
          `${rgId("rg-engram-bootstrap")}/providers/Microsoft.KeyVault/vaults/${String(vault.inputs.vaultName)}`,
          "CanNotDelete",
        ],
      ].sort(),
    );
  });

  it("creates the environment groups (protected) and the bootstrap group", () => {
    const groups = run.of(T.rg);
    expect(groups.map((g) => g.inputs.resourceGroupName).sort()).toEqual(
      ["rg-engram-bootstrap", ...ENVIRONMENTS.map((e) => `rg-engram-${e}`)].sort(),
    );
    for (const g of groups) expect(g.protect).toBe(true);
  });

  it("requests no Graph permission and manages no GitHub resource unless configured", () => {
    expect(run.of(T.graph)).toHaveLength(0);
    expect(run.registrations.filter((r) => r.type.startsWith("github:"))).toHaveLength(0);
  });

  it("outputs the exact GitHub environment variables: apply client id for <env>, plan client id for <env>-preview", () => {
    const vars = run.outputs.githubEnvironmentVariables as Record<string, Record<string, string>>;
    expect(Object.keys(vars).sort()).toEqual(ENVIRONMENTS.flatMap((e) => [e, `${e}-preview`]).sort());
    const suffix = defaultNameSuffix(SUB);
    for (const env of ENVIRONMENTS) {
      const common = {
        AZURE_TENANT_ID: TENANT,
        AZURE_SUBSCRIPTION_ID: SUB,
        PULUMI_BACKEND_URL: `azblob://state-${env}?storage_account=stengramstate${suffix}`,
        PULUMI_SECRETS_PROVIDER: `azurekeyvault://kv-engram-state-${suffix}.vault.azure.net/keys/pulumi-${env}`,
      };
      expect(vars[env]).toEqual({
        AZURE_CLIENT_ID: identityOf(run, env, "apply").outputs.clientId,
        ...common,
      });
      expect(vars[`${env}-preview`]).toEqual({
        AZURE_CLIENT_ID: identityOf(run, env, "plan").outputs.clientId,
        ...common,
      });
    }
  });
});

describe("bootstrap program with grantGraphPermissions and manageGithub", () => {
  let run: Run;
  beforeAll(async () => {
    run = await runBootstrap({
      ...BASE_CONFIG,
      grantGraphPermissions: "true",
      manageGithub: "true",
      githubReviewers: JSON.stringify({ teams: [101], users: [202] }),
      resourceGroups: JSON.stringify({ prod: "rg-engram-prod-weu" }),
    });
  });

  it("grants Application.ReadWrite.OwnedBy to each apply identity and Application.Read.All to each plan identity, on Graph", () => {
    const graph = run.of(T.graph);
    expect(graph).toHaveLength(ENVIRONMENTS.length * 2);
    for (const env of ENVIRONMENTS) {
      const forApply = graph.filter((g) => g.inputs.principalObjectId === principalOf(run, env, "apply"));
      const forPlan = graph.filter((g) => g.inputs.principalObjectId === principalOf(run, env, "plan"));
      expect(forApply.map((g) => [g.inputs.appRoleId, g.inputs.resourceObjectId])).toEqual([
        [GRAPH_APP_ROLES["Application.ReadWrite.OwnedBy"], GRAPH_SP_OBJECT_ID],
      ]);
      expect(forPlan.map((g) => [g.inputs.appRoleId, g.inputs.resourceObjectId])).toEqual([
        [GRAPH_APP_ROLES["Application.Read.All"], GRAPH_SP_OBJECT_ID],
      ]);
    }
    expect(GRAPH_APP_ROLES["Application.ReadWrite.OwnedBy"]).toBe("18a4783c-866b-4cc7-a460-3d5e5662c884");
  });

  it("scopes prod's apply identity to the overridden group", () => {
    const scopes = assignmentsOf(run, principalOf(run, "prod", "apply")).map((a) => a.inputs.scope);
    expect(scopes).toContain(rgId("rg-engram-prod-weu"));
    expect(scopes).not.toContain(rgId("rg-engram-prod"));
  });

  it("creates <env> and <env>-preview GitHub environments; reviewers on uat, staging and prod only", () => {
    const envs = run.of(T.ghEnv);
    expect(envs.map((e) => e.inputs.environment).sort()).toEqual(
      ENVIRONMENTS.flatMap((e) => [e, `${e}-preview`]).sort(),
    );
    for (const e of envs) {
      const name = String(e.inputs.environment);
      expect(e.inputs.repository).toBe("engram-infra");
      expect(e.inputs.canAdminsBypass).toBe(false);
      if (["uat", "staging", "prod"].includes(name)) {
        expect(e.inputs.reviewers).toEqual([{ teams: [101], users: [202] }]);
        expect(e.inputs.preventSelfReview).toBe(true);
      } else {
        expect(e.inputs.reviewers).toBeUndefined();
      }
    }
  });

  it("lets only main deploy to the five deploy environments; previews stay open to PR branches", () => {
    const envs = run.of(T.ghEnv);
    for (const env of ENVIRONMENTS) {
      expect(envs.find((e) => e.inputs.environment === env)?.inputs.deploymentBranchPolicy).toEqual({
        protectedBranches: false,
        customBranchPolicies: true,
      });
      expect(
        envs.find((e) => e.inputs.environment === `${env}-preview`)?.inputs.deploymentBranchPolicy,
      ).toBeUndefined();
    }
    expect(
      run
        .of(T.ghPolicy)
        .map((p) => [p.inputs.environment, p.inputs.branchPattern])
        .sort(),
    ).toEqual(ENVIRONMENTS.map((e) => [e, "main"]).sort());
  });

  it("sets exactly the five variables on every GitHub environment, equal to the stack output", () => {
    const vars = run.outputs.githubEnvironmentVariables as Record<string, Record<string, string>>;
    const ghVars = run.of(T.ghVar);
    expect(ghVars).toHaveLength(ENVIRONMENTS.length * 2 * 5);
    for (const [environment, expected] of Object.entries(vars)) {
      const got = Object.fromEntries(
        ghVars
          .filter((v) => v.inputs.environment === environment)
          .map((v) => [v.inputs.variableName, v.inputs.value]),
      );
      expect(got).toEqual(expected);
    }
  });
});

// The CI/CD hub's cases, in this file's module registry (the SDK and the program load once).
import "./cicdHub.cases";
