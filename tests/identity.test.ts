import {
  PLACEHOLDER_DEPLOYER_OBJECT_ID,
  PLACEHOLDER_TENANT,
  placeholderUuid,
} from "../scripts/offline/placeholders";
import { PlanIndex } from "../scripts/offline/plan-index";
import { renderReport } from "../scripts/offline/report";
import { isHigher } from "../src/matrix";
import { SERVICE_NAMES } from "../src/services";
import { expectedPermissionId } from "./helpers/ids";
import { ENVIRONMENTS, Environment, planOk } from "./helpers/plan";
import { appWorkload, runtimeOf } from "./helpers/workloads";
import { DEV_FED, DEV_OPTIONS, PROD_OPTIONS, TEST_FED } from "./helpers/variants";

/**
 * The identity layer of DESIGN.md §2 and §5 (SOP 000 Token & Audience, Workload Identity; SOP 001):
 * the API and SPA app registrations, their service principals, app roles, scope, pre-authorized
 * clients and group assignments, and the per-service managed identities.
 */

const APPLICATION = "azuread:index/application:Application";
const SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal";
const PRE_AUTHORIZED = "azuread:index/applicationPreAuthorized:ApplicationPreAuthorized";
const APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment";
const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
const AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

type Inputs = Record<string, unknown>;
interface AppRole {
  id: string;
  value: string;
  displayName: string;
  description: string;
  enabled: boolean;
  allowedMemberTypes: string[];
}
interface Scope {
  id: string;
  value: string;
  type: string;
  enabled: boolean;
  adminConsentDisplayName: string;
  adminConsentDescription: string;
  userConsentDisplayName: string;
  userConsentDescription: string;
}

/**
 * dev with PM retired and the Azure CLI not pre-authorized: dev's shared DEV_OPTIONS variant, for the
 * tests of each (independent of each other and of its other settings, availability, private
 * endpoints and the registry: the API's app roles and their assignments, its pre-authorized clients).
 */
const DEV_RETIRED = DEV_OPTIONS;

const apiApp = (index: PlanIndex) => index.one(APPLICATION, "entra-api-app");
const spaApp = (index: PlanIndex) => index.one(APPLICATION, "entra-spa-app");
const appRoles = (index: PlanIndex) => apiApp(index).newState.inputs.appRoles as AppRole[];
const scopes = (index: PlanIndex) =>
  (apiApp(index).newState.inputs.api as { oauth2PermissionScopes: Scope[] }).oauth2PermissionScopes;
/** The placeholder output of a resource, computed the way the offline engine computes it. */
const clientIdOf = (step: { urn: string }) => placeholderUuid(step.urn, "clientId");
const objectIdOf = (step: { urn: string }) => placeholderUuid(step.urn, "objectId");
const preAuthorizations = (index: PlanIndex) =>
  index.ofType(PRE_AUTHORIZED).map((s) => s.newState.inputs as Inputs);

describe.each(ENVIRONMENTS)("Entra app registrations in %s", (env) => {
  it("the API app has identifierUris [api://engram-<env>], AzureADMyOrg and v2 access tokens", async () => {
    const { index } = await planOk(env);
    const i = apiApp(index).newState.inputs;
    expect(i.displayName).toBe(`engram-api-${env}`);
    expect(i.identifierUris).toEqual([`api://engram-${env}`]);
    expect(i.signInAudience).toBe("AzureADMyOrg");
    expect((i.api as Inputs).requestedAccessTokenVersion).toBe(2);
    expect(i.owners).toEqual([PLACEHOLDER_DEPLOYER_OBJECT_ID]);
  });

  it("the API app defines exactly the four SOP 000 roles, for users, with stable per-environment ids", async () => {
    const { index } = await planOk(env);
    const roles = appRoles(index);
    expect(roles.map((r) => r.value)).toEqual(["Admin", "Analyst", "PM", "Viewer"]);
    for (const r of roles) {
      expect(r.id).toBe(expectedPermissionId(env, "role", r.value));
      expect(r.displayName).toBe(r.value);
      expect(r.description.length).toBeGreaterThan(5);
      expect(r.allowedMemberTypes).toEqual(["User"]);
      expect(r.enabled).toBe(true);
    }
    expect(roles.find((r) => r.value === "Viewer")?.description).toMatch(/read-only/i);
  });

  it("the API app exposes exactly one delegated scope user_impersonation with admin and user consent texts", async () => {
    const { index } = await planOk(env);
    const s = scopes(index);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({
      id: expectedPermissionId(env, "scope", "user_impersonation"),
      value: "user_impersonation",
      type: "User",
      enabled: true,
    });
    for (const k of [
      "adminConsentDisplayName",
      "adminConsentDescription",
      "userConsentDisplayName",
      "userConsentDescription",
    ] as const)
      expect(s[0][k]).toMatch(new RegExp(`Engram.*${env}`));
  });

  it("the API service principal requires an app-role assignment", async () => {
    const { index } = await planOk(env);
    const sp = index.one(SERVICE_PRINCIPAL, "entra-api-sp").newState.inputs;
    expect(sp.appRoleAssignmentRequired).toBe(true);
    expect(sp.clientId).toBe(clientIdOf(apiApp(index)));
  });

  it("assigns each configured app-role group to its role on the API service principal, and nothing else", async () => {
    const { index, config } = await planOk(env);
    const spObjectId = objectIdOf(index.one(SERVICE_PRINCIPAL, "entra-api-sp"));
    const expected = (["admin", "analyst", "pm", "viewer"] as const)
      .filter((g) => config.groups[g] !== undefined)
      .map((g) => ({
        appRoleId: expectedPermissionId(
          env,
          "role",
          { admin: "Admin", analyst: "Analyst", pm: "PM", viewer: "Viewer" }[g],
        ),
        principalObjectId: config.groups[g],
        resourceObjectId: spObjectId,
      }));
    expect(expected.length).toBeGreaterThan(0);
    const actual = index.ofType(APP_ROLE_ASSIGNMENT).map((s) => s.newState.inputs);
    expect(actual).toEqual(expected);
  });

  it("pre-authorizes the SPA on user_impersonation, and the Azure CLI per the matrix (not in prod)", async () => {
    const { index } = await planOk(env);
    const apiId = `/applications/${objectIdOf(apiApp(index))}`;
    const scopeId = expectedPermissionId(env, "scope", "user_impersonation");
    const byClient = Object.fromEntries(
      preAuthorizations(index).map((p) => [p.authorizedClientId as string, p]),
    );
    expect(byClient[clientIdOf(spaApp(index))]).toEqual({
      applicationId: apiId,
      authorizedClientId: clientIdOf(spaApp(index)),
      permissionIds: [scopeId],
    });
    if (env === "prod") expect(byClient[AZURE_CLI]).toBeUndefined();
    else
      expect(byClient[AZURE_CLI]).toEqual({
        applicationId: apiId,
        authorizedClientId: AZURE_CLI,
        permissionIds: [scopeId],
      });
    expect(Object.keys(byClient)).toHaveLength(env === "prod" ? 1 : 2);
  });

  it("the SPA app redirects only to the env frontends and the Static Web App, plus localhost in dev/test only", async () => {
    const { index, config } = await planOk(env);
    const i = spaApp(index).newState.inputs;
    expect(i.displayName).toBe(`engram-web-${env}`);
    expect(i.signInAudience).toBe("AzureADMyOrg");
    const uris = (i.singlePageApplication as { redirectUris: string[] }).redirectUris;
    const swa = `https://${index.stackOutputs.webHostname as string}`;
    const localhost = uris.filter((u) => /localhost|127\.0\.0\.1/.test(u));
    if (isHigher(env)) {
      expect(localhost).toEqual([]);
      expect(uris.every((u) => u.startsWith("https://"))).toBe(true);
    } else {
      expect(localhost).toEqual(config.devOrigins);
      expect(localhost.length).toBeGreaterThan(0);
    }
    expect(uris).toEqual([...config.frontendOrigins, swa, ...(isHigher(env) ? [] : config.devOrigins)]);
    expect(i.web).toEqual({
      implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false },
    });
  });

  it("the SPA app requires the API's user_impersonation scope", async () => {
    const { index } = await planOk(env);
    expect(spaApp(index).newState.inputs.requiredResourceAccesses).toEqual([
      {
        resourceAppId: clientIdOf(apiApp(index)),
        resourceAccesses: [{ id: expectedPermissionId(env, "scope", "user_impersonation"), type: "Scope" }],
      },
    ]);
  });

  it("protects the Entra apps and service principals in uat, staging and prod only", async () => {
    const { index } = await planOk(env);
    const entra = [...index.ofType(APPLICATION), ...index.ofType(SERVICE_PRINCIPAL)];
    expect(entra).toHaveLength(4);
    for (const s of entra) {
      expect(s.newState.protect).toBe(isHigher(env));
      // Owners are set at creation by the apply identity; previews by the plan identity must not diff them.
      expect(s.newState.inputs.owners).toEqual([PLACEHOLDER_DEPLOYER_OBJECT_ID]);
      expect(s.newState.ignoreChanges).toEqual(["owners"]);
    }
    // Grants stay revocable (SOP 000 Incident Response).
    for (const s of [...index.ofType(APP_ROLE_ASSIGNMENT), ...index.ofType(PRE_AUTHORIZED)])
      expect(s.newState.protect).toBe(false);
  });

  it("outputs the API client id, audience, v2 issuer, scope and SPA client id", async () => {
    const { index } = await planOk(env);
    expect(index.stackOutputs).toMatchObject({
      apiClientId: clientIdOf(apiApp(index)),
      apiAudience: `api://engram-${env}`,
      apiIssuer: `https://login.microsoftonline.com/${PLACEHOLDER_TENANT}/v2.0`,
      apiScope: `api://engram-${env}/user_impersonation`,
      spaClientId: clientIdOf(spaApp(index)),
    });
  });

  it("creates one user-assigned identity per service, and each AZURE_CLIENT_ID output is that identity's own client id", async () => {
    const { index } = await planOk(env);
    // Other layers add identities of their own (temporal-ui, the App Gateway); the four services each have exactly one.
    const identities = index
      .ofType(IDENTITY)
      .filter((s) => SERVICE_NAMES.some((n) => s.newState.inputs.resourceName === `id-engram-${env}-${n}`));
    expect(identities.map((s) => s.newState.inputs.resourceName).sort()).toEqual(
      SERVICE_NAMES.map((s) => `id-engram-${env}-${s}`).sort(),
    );
    const out = index.stackOutputs.serviceIdentityClientIds as Record<string, string>;
    expect(Object.keys(out).sort()).toEqual([...SERVICE_NAMES].sort());
    const appClientIds = index.ofType(APPLICATION).map(clientIdOf);
    for (const service of SERVICE_NAMES) {
      const mi = identities.find((s) => s.newState.inputs.resourceName === `id-engram-${env}-${service}`);
      expect(out[service]).toBe(clientIdOf(mi as { urn: string }));
      expect(appClientIds).not.toContain(out[service]);
    }
  });

  it("each service container gets AZURE_CLIENT_ID from its own identity, and backend/worker AZURE_AD_CLIENT_ID from the API app", async () => {
    const r = await planOk(env);
    const { index } = r;
    const apiClientId = clientIdOf(apiApp(index));
    for (const service of SERVICE_NAMES) {
      const mi = index
        .ofType(IDENTITY)
        .find((s) => s.newState.inputs.resourceName === `id-engram-${env}-${service}`) as { urn: string };
      // The Container App ca-engram-<env>-<service> on ACA, the Deployment <service> on AKS (prod).
      const w = appWorkload(index, runtimeOf(r), service);
      if (runtimeOf(r) === "aca")
        expect(w.step.newState.inputs.containerAppName).toBe(`ca-engram-${env}-${service}`);
      else expect(w.step.newState.inputs.metadata).toMatchObject({ name: service, namespace: "engram" });
      const vars = Object.fromEntries(w.env.map((e) => [e.name, e.value]));
      expect(vars.AZURE_CLIENT_ID).toBe(clientIdOf(mi));
      expect(vars.AZURE_CLIENT_ID).not.toBe(apiClientId);
      if (service === "backend" || service === "worker") expect(vars.AZURE_AD_CLIENT_ID).toBe(apiClientId);
      else expect(vars.AZURE_AD_CLIENT_ID).toBeUndefined();
    }
  });
});

describe("role and scope ids across environments", () => {
  // The same on a second, independent run of a stack: tests/plan.test.ts "two separate runs give
  // byte-identical JSON and Markdown" (the ids are in the plan).
  it("differ per environment (no id is shared by two environments' apps)", async () => {
    const ids: string[] = [];
    for (const env of ENVIRONMENTS) {
      const { index } = await planOk(env);
      ids.push(...appRoles(index).map((r) => r.id), ...scopes(index).map((s) => s.id));
    }
    expect(ids).toHaveLength(ENVIRONMENTS.length * 5);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("Azure CLI pre-authorization override", () => {
  it("pre-authorizes the Azure CLI in prod only with engram:azureCliPreAuthorized=true", async () => {
    // Prod's shared variant of optional settings (engram:azureCliPreAuthorized=true among them).
    const { index } = await planOk("prod", PROD_OPTIONS);
    expect(preAuthorizations(index).map((p) => p.authorizedClientId)).toContain(AZURE_CLI);
  });

  it("drops the Azure CLI in dev with engram:azureCliPreAuthorized=false", async () => {
    // The dev variant of "retiring an app role" (step 1), which also turns the Azure CLI off.
    expect(DEV_RETIRED.set["engram:azureCliPreAuthorized"]).toBe("false");
    const { index } = await planOk("dev", DEV_RETIRED);
    expect(preAuthorizations(index).map((p) => p.authorizedClientId)).not.toContain(AZURE_CLI);
    expect(preAuthorizations(index)).toHaveLength(1);
  });
});

describe("retiring an app role (README: Retiring an app role)", () => {
  const env: Environment = "dev";
  // Only the DBA group (the Postgres Entra admin, which the config may require) stays: dev's shared
  // variant (every secret fed, LOWER_OVERRIDES.dev; none of them assigns an app role or an Azure role
  // to a group).
  const ONLY_DBA = DEV_FED;

  it("step 1: a retired role stays defined with the same id but disabled, and its group loses the assignment", async () => {
    expect(DEV_RETIRED.set["engram:retiredAppRoles"]).toEqual(["PM"]);
    const { index, config } = await planOk(env, DEV_RETIRED);
    const roles = appRoles(index);
    expect(roles.map((r) => r.value)).toEqual(["Admin", "Analyst", "PM", "Viewer"]);
    expect(roles.find((r) => r.value === "PM")).toMatchObject({
      id: expectedPermissionId(env, "role", "PM"),
      enabled: false,
    });
    for (const r of roles.filter((x) => x.value !== "PM")) expect(r.enabled).toBe(true);
    const assigned = index.ofType(APP_ROLE_ASSIGNMENT).map((s) => s.newState.inputs);
    expect(assigned.map((a) => a.appRoleId)).not.toContain(expectedPermissionId(env, "role", "PM"));
    expect(assigned.map((a) => a.principalObjectId)).not.toContain(config.groups.pm);
    expect(assigned).toHaveLength(3);
  });

  it("step 2: a removed role is absent, the others keep their ids, and its group is not assigned", async () => {
    // test's shared variant removes PM (its other settings assign no app role).
    const stack: Environment = "test";
    expect(TEST_FED.set["engram:removedAppRoles"]).toEqual(["PM"]);
    const { index, config } = await planOk(stack, TEST_FED);
    const roles = appRoles(index);
    expect(roles.map((r) => r.value)).toEqual(["Admin", "Analyst", "Viewer"]);
    for (const r of roles) expect(r.id).toBe(expectedPermissionId(stack, "role", r.value));
    const assigned = index.ofType(APP_ROLE_ASSIGNMENT).map((s) => s.newState.inputs);
    expect(assigned.map((a) => a.principalObjectId)).not.toContain(config.groups.pm);
    expect(assigned).toHaveLength(3);
  });

  it("makes no app-role assignment when no app-role group is configured", async () => {
    expect(Object.keys(ONLY_DBA.set["engram:groups"])).toEqual(["dba"]);
    expect((await planOk(env)).index.ofType(APP_ROLE_ASSIGNMENT).length).toBeGreaterThan(0);
    const { index } = await planOk(env, ONLY_DBA);
    expect(index.ofType(APP_ROLE_ASSIGNMENT)).toEqual([]);
  });

  it("no group configured but groups.dba: no group holds any Azure role (the platform groups' grants follow config)", async () => {
    const groupGrants = (index: PlanIndex) =>
      index
        .ofType("azure-native:authorization:RoleAssignment")
        .filter((s) => s.newState.inputs.principalType === "Group");
    expect(groupGrants((await planOk(env)).index).length).toBeGreaterThan(0);
    const { index } = await planOk(env, ONLY_DBA);
    expect(groupGrants(index)).toEqual([]);
  });
});

describe("plan report: Effective access", () => {
  it("lists one row per role assignment with its role name, and the app roles and pre-authorized clients", async () => {
    const result = await planOk("dev");
    const md = renderReport(result);
    const section = md.slice(md.indexOf("## Effective access"));
    const azure = section.slice(0, section.indexOf("### API app registration"));
    const rows = azure
      .split("\n")
      .filter((l) => /^\| (backend|worker|zep|temporal|temporal-ui|appgw|group:[a-z]+) \|/.test(l));
    const assignments = result.index.ofType("azure-native:authorization:RoleAssignment");
    expect(rows).toHaveLength(assignments.length);
    expect(section).toContain("| group:sre | Group | Monitoring Reader | rg |");
    expect(section).toContain("| backend | ServicePrincipal | Cognitive Services OpenAI User | ai-account |");
    expect(section).toContain(`| \`PM\` | PM | \`${expectedPermissionId("dev", "role", "PM")}\` | true |`);
    expect(section).toContain(`| Azure CLI | \`${AZURE_CLI}\` | \`user_impersonation\` |`);
    expect(section).not.toMatch(/unknown role|forbidden/);
  });
});
