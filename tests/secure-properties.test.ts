import { PlanIndex } from "../scripts/offline/plan-index";
import { inputs, T } from "./helpers/data";
import { ENVIRONMENTS, Environment, planOk } from "./helpers/plan";

/**
 * Secure-by-default inputs the program sets explicitly (issue 14, "Secure properties no test pins"):
 * Storage, Postgres, Key Vault secrets, the Entra registrations and the Log Analytics workspace.
 * Each value is written out here; where it does not depend on the environment it is still checked
 * in all five plans. Properties other test files already pin (allowBlobPublicAccess, the vault's
 * RBAC mode, disableLocalAuth, ...) are not repeated.
 */

const APPLICATION = "azuread:index/application:Application";
const SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal";
const WORKSPACE = "azure-native:operationalinsights:Workspace";
const APP_INSIGHTS = "azure-native:applicationinsights:Component";
const SCHEDULED_QUERY_RULE = "azure-native:monitor:ScheduledQueryRule";

/** The Postgres servers of each environment, by logical name. */
const SERVERS: Record<Environment, string[]> = {
  dev: ["psql-psql"],
  test: ["psql-psql"],
  uat: ["psql-platform-psql", "psql-psql"],
  staging: ["psql-platform-psql", "psql-psql"],
  prod: ["psql-platform-psql", "psql-psql"],
};

/** Blob and container soft delete (DESIGN.md §7: higher environments only), as the blob service gets it. */
const SOFT_DELETE: Record<Environment, { enabled: boolean; days?: number }> = {
  dev: { enabled: false },
  test: { enabled: false },
  uat: { enabled: true, days: 14 },
  staging: { enabled: true, days: 14 },
  prod: { enabled: true, days: 14 },
};

/** Log alert rules per environment: required in uat/staging/prod, off by default in dev/test. */
const LOG_ALERTS: Record<Environment, number> = { dev: 0, test: 0, uat: 4, staging: 4, prod: 4 };

const vaultSecretsOf = (index: PlanIndex) => index.ofType(T.secret);

describe.each(ENVIRONMENTS)("secure properties of the data layer in %s", (env) => {
  it("the storage account defaults to Entra ID auth and has no local users and no SFTP; its firewall lets only trusted Azure services bypass it", async () => {
    const { index } = await planOk(env);
    const a = inputs(index.one(T.account));
    expect(a.defaultToOAuthAuthentication).toBe(true);
    expect(a.isLocalUserEnabled).toBe(false);
    expect(a.isSftpEnabled).toBe(false);
    expect(a.networkRuleSet.bypass).toBe("AzureServices");
  });

  it(`blob and container soft delete: ${JSON.stringify(SOFT_DELETE[env])}`, async () => {
    const { index } = await planOk(env);
    const b = inputs(index.one(T.blobService));
    expect(b.deleteRetentionPolicy).toEqual(SOFT_DELETE[env]);
    expect(b.containerDeleteRetentionPolicy).toEqual(SOFT_DELETE[env]);
  });

  it("every Postgres server sets require_secure_transport=ON, ssl_min_protocol_version=TLSv1.2 and log_checkpoints/log_connections/log_disconnections=ON as user overrides, and nothing else", async () => {
    const { index } = await planOk(env);
    const servers = index.ofType(T.server);
    expect(servers.map((s) => index.logicalName(s)).sort()).toEqual(SERVERS[env]);
    for (const s of servers) {
      const serverName = inputs(s).serverName as string;
      const parameters = index
        .ofType(T.configuration)
        .filter((c) => inputs(c).serverName === serverName)
        .map((c) => ({
          configurationName: inputs(c).configurationName,
          value: inputs(c).value,
          source: inputs(c).source,
        }));
      expect(parameters).toEqual([
        { configurationName: "require_secure_transport", value: "ON", source: "user-override" },
        { configurationName: "ssl_min_protocol_version", value: "TLSv1.2", source: "user-override" },
        { configurationName: "log_checkpoints", value: "ON", source: "user-override" },
        { configurationName: "log_connections", value: "ON", source: "user-override" },
        { configurationName: "log_disconnections", value: "ON", source: "user-override" },
      ]);
    }
  });

  it("every Postgres server keeps Entra ID authentication on", async () => {
    const { index } = await planOk(env);
    for (const s of index.ofType(T.server)) expect(inputs(s).authConfig.activeDirectoryAuth).toBe("Enabled");
  });

  it("every Key Vault secret is written enabled (an expired or disabled secret is never the way a value is retired)", async () => {
    const { index } = await planOk(env);
    const secrets = vaultSecretsOf(index);
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const s of secrets) expect(inputs(s).properties.attributes.enabled).toBe(true);
  });

  it("generated secret values are 40 alphanumerics with at least 2 upper, 2 lower and 2 digits", async () => {
    const { index } = await planOk(env);
    const passwords = index.ofType(T.password);
    expect(passwords.map((p) => index.logicalName(p)).sort()).toEqual([
      "secret-postgres-password-value",
      "secret-zep-api-key-value",
    ]);
    for (const p of passwords)
      expect(inputs(p)).toMatchObject({
        length: 40,
        special: false,
        minUpper: 2,
        minLower: 2,
        minNumeric: 2,
      });
  });
});

describe.each(ENVIRONMENTS)("secure properties of the Entra registrations in %s", (env) => {
  it("the API registration has no implicit grant and is no public client; duplicate names are refused", async () => {
    const { index } = await planOk(env);
    const i = inputs(index.one(APPLICATION, "entra-api-app"));
    expect(i.web).toEqual({
      implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false },
    });
    expect(i.fallbackPublicClientEnabled).toBe(false);
    expect(i.preventDuplicateNames).toBe(true);
  });

  it("the SPA registration is no public client, takes v2 tokens, single-tenant; duplicate names are refused", async () => {
    const { index } = await planOk(env);
    const i = inputs(index.one(APPLICATION, "entra-spa-app"));
    expect(i.fallbackPublicClientEnabled).toBe(false);
    expect(i.api).toEqual({ requestedAccessTokenVersion: 2 });
    expect(i.signInAudience).toBe("AzureADMyOrg");
    expect(i.preventDuplicateNames).toBe(true);
  });

  it("both service principals are enabled; the SPA's requires no app role (the API's does)", async () => {
    const { index } = await planOk(env);
    const api = inputs(index.one(SERVICE_PRINCIPAL, "entra-api-sp"));
    const spa = inputs(index.one(SERVICE_PRINCIPAL, "entra-spa-sp"));
    expect(api.accountEnabled).toBe(true);
    expect(api.appRoleAssignmentRequired).toBe(true);
    expect(spa.accountEnabled).toBe(true);
    expect(spa.appRoleAssignmentRequired).toBe(false);
  });
});

describe.each(ENVIRONMENTS)("secure properties of observability in %s", (env) => {
  it("the workspace keeps data for its retention (no purge after 30 days) and gives resource-context access only", async () => {
    const { index } = await planOk(env);
    const features = inputs(index.one(WORKSPACE)).features;
    expect(features.immediatePurgeDataOn30Days).toBe(false);
    expect(features.enableLogAccessUsingOnlyResourcePermissions).toBe(true);
  });

  it("Application Insights masks client IPs and states its public ingestion and query explicitly (DESIGN.md §8 exception)", async () => {
    const { index } = await planOk(env);
    const ai = inputs(index.one(APP_INSIGHTS));
    expect(ai.disableIpMasking).toBe(false);
    expect(ai.publicNetworkAccessForIngestion).toBe("Enabled");
    expect(ai.publicNetworkAccessForQuery).toBe("Enabled");
  });

  it(`has ${LOG_ALERTS[env]} log alert rules, each resolving itself and not requiring customer storage`, async () => {
    const { index } = await planOk(env);
    const rules = index.ofType(SCHEDULED_QUERY_RULE);
    expect(rules).toHaveLength(LOG_ALERTS[env]);
    for (const r of rules) {
      expect(inputs(r).autoMitigate).toBe(true);
      expect(inputs(r).checkWorkspaceAlertsStorageConfigured).toBe(false);
      expect(inputs(r).criteria.allOf[0].failingPeriods).toEqual({
        numberOfEvaluationPeriods: 1,
        minFailingPeriodsToAlert: 1,
      });
    }
  });
});
