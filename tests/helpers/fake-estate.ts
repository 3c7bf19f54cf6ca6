import { spawnSync } from "child_process";
import * as path from "path";
import type { PlanResult } from "../../scripts/offline/plan";
import { PlanIndex } from "../../scripts/offline/plan-index";
import { expectedFrom, Expected } from "../../scripts/validate/expected";
import type { StackOutputs } from "../../scripts/validate/outputs";
import type { TokenSource } from "../../scripts/validate/rest";
import type { FakeState } from "./fake-azure";

/**
 * A deployed estate that is exactly what the stack's plan says, for the fake Azure
 * (tests/helpers/fake-azure.ts): the stack outputs, ARM resources and role assignments, Graph
 * objects, the tenant's OpenID configuration and keys, and tokens signed by those keys (with jose,
 * tests/helpers/jwt-sign.mjs). Tests then break one thing and expect one exact FAIL.
 */

type Json = Record<string, unknown>;

export const SUB = "3b1d2c4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
export const TENANT = "c0ffee00-1111-4222-8333-444455556666";
export const API_CLIENT_ID = "a0000000-0000-4000-8000-000000000001";
export const ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
export const REPO = "engram-org/engram-infra";
const RA = "/providers/Microsoft.Authorization/roleDefinitions/";

/** A stable id per name, so evidence and messages are the same on every run. */
export function idOf(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, "0");
  return `${hex}-0000-4000-8000-${hex}0000`;
}

/** The tokens every test uses: signed by the fake tenant's key unless named `foreign`. */
export interface TestTokens {
  jwks: Json;
  tokens: Record<
    "arm" | "graph" | "api" | "Admin" | "Analyst" | "PM" | "Viewer" | "otherAudience" | "foreign",
    string
  >;
}

export function signTokens(): TestTokens {
  const api = { aud: API_CLIENT_ID, iss: ISSUER, ver: "2.0", tid: TENANT };
  const input = {
    tokens: {
      api,
      arm: { aud: "https://management.azure.com", iss: `https://sts.windows.net/${TENANT}/` },
      graph: { aud: "https://graph.microsoft.com", iss: `https://sts.windows.net/${TENANT}/` },
      Admin: { ...api, roles: ["Admin"] },
      Analyst: { ...api, roles: ["Analyst"] },
      PM: { ...api, roles: ["PM"] },
      Viewer: { ...api, roles: ["Viewer"] },
      otherAudience: { ...api, aud: "api://engram-other" },
    },
  };
  const r = spawnSync(process.execPath, [path.join(__dirname, "jwt-sign.mjs")], {
    input: JSON.stringify(input),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`jwt-sign.mjs exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as TestTokens;
}

/** The fake token source: ARM and Graph tokens for their scopes, the API token for any other. */
export function fakeTokens(t: TestTokens): TokenSource {
  return {
    token: (scope) =>
      Promise.resolve(
        scope.startsWith("https://management.azure.com")
          ? t.tokens.arm
          : scope.startsWith("https://graph.microsoft.com")
            ? t.tokens.graph
            : t.tokens.api,
      ),
  };
}

export function outputsFor(r: PlanResult): StackOutputs {
  const env = r.config.environment;
  const index = new PlanIndex(r.plan);
  const input = (type: string, key: string) => String(index.ofType(type)[0].newState.inputs[key]);
  const rg = input("azure-native:resources:ResourceGroup", "resourceGroupName");
  const app = index
    .ofType("azure-native:dbforpostgresql:Server")
    .map((s) => String(s.newState.inputs.serverName))
    .find((n) => !n.includes("-platform-"));
  const services = index
    .ofType("azure-native:managedidentity:UserAssignedIdentity")
    .map((s) => String((s.newState.inputs.tags as Json).service));
  return {
    environment: env,
    resourceGroupName: rg,
    resourceGroupId: `/subscriptions/${SUB}/resourceGroups/${rg}`,
    tenantId: TENANT,
    webHostname: `engram-${env}.azurestaticapps.net`,
    serviceIdentityClientIds: Object.fromEntries(
      services
        .filter((s) => ["backend", "worker", "zep", "temporal"].includes(s))
        .map((s) => [s, idOf(`client ${s}`)]),
    ),
    apiClientId: API_CLIENT_ID,
    apiAudience: `api://engram-${env}`,
    apiIssuer: ISSUER,
    apiScope: `api://engram-${env}/user_impersonation`,
    keyVaultName: input("azure-native:keyvault:Vault", "vaultName"),
    storageAccountName: input("azure-native:storage:StorageAccount", "accountName"),
    postgresAppHost: `${app}.postgres.database.azure.com`,
    backendUrl: `https://ca-engram-${env}-backend.example.azurecontainerapps.io`,
  };
}

export const expectedOf = (r: PlanResult): Expected => expectedFrom(r.plan, r.config, SUB);

/** The environment variables that point validate at the fake. */
export function fakeEnv(url: string): Record<string, string> {
  return {
    ENGRAM_VALIDATE_ARM_ENDPOINT: `${url}/arm`,
    ENGRAM_VALIDATE_GRAPH_ENDPOINT: `${url}/graph`,
    ENGRAM_VALIDATE_LOGIN_ENDPOINT: `${url}/login`,
    ENGRAM_VALIDATE_API_URL: `${url}/api`,
    ENGRAM_VALIDATE_WEB_URL: `${url}/web`,
  };
}

const ROLE = {
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  rbacAdmin: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  blobContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  cryptoUser: "12338af0-0e69-4776-bea7-57ae8d297424",
};
export const BOOTSTRAP_RG = `/subscriptions/${SUB}/resourceGroups/rg-engram-bootstrap`;
export const roleDef = (guid: string, sub = SUB) => `/subscriptions/${sub}${RA}${guid}`;

/** The deployer identities of the bootstrap, as it makes them (bootstrap/components/environmentAccess.ts). */
function deployers(s: FakeState, env: string, rgId: string): void {
  const state = `${BOOTSTRAP_RG}/providers/Microsoft.Storage/storageAccounts/stengramstateab12cd/blobServices/default/containers/state-${env}`;
  const key = `${BOOTSTRAP_RG}/providers/Microsoft.KeyVault/vaults/kv-engram-state-ab12cd/keys/pulumi-${env}`;
  const subjects: Record<string, [string, string][]> = {
    plan: [
      ["github-pull-request", `repo:${REPO}:pull_request`],
      [`github-env-${env}-preview`, `repo:${REPO}:environment:${env}-preview`],
    ],
    apply: [[`github-env-${env}`, `repo:${REPO}:environment:${env}`]],
  };
  for (const kind of ["plan", "apply"]) {
    const name = `id-engram-${env}-${kind}`;
    const base = `${BOOTSTRAP_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
    const principalId = idOf(`principal ${name}`);
    const clientId = idOf(`client ${name}`);
    s.arm.set(base.toLowerCase(), { name, properties: { principalId, clientId, tenantId: TENANT } });
    s.arm.set(
      `${base}/federatedIdentityCredentials`.toLowerCase(),
      subjects[kind].map(([n, subject]) => ({
        name: n,
        properties: {
          issuer: "https://token.actions.githubusercontent.com",
          subject,
          audiences: ["api://AzureADTokenExchange"],
        },
      })),
    );
    s.graph.servicePrincipals.push({
      appId: clientId,
      displayName: name,
      passwordCredentials: [],
      keyCredentials: [],
    });
    const grants: [string, string, string?][] =
      kind === "plan"
        ? [
            [ROLE.reader, rgId],
            [ROLE.blobContributor, state],
            [ROLE.cryptoUser, key],
          ]
        : [
            [ROLE.contributor, rgId],
            [ROLE.rbacAdmin, rgId, "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})))"],
            [idOf(`lock-operator ${env}`), rgId],
            [ROLE.blobContributor, state],
            [ROLE.cryptoUser, key],
          ];
    for (const [guid, scope, condition] of grants)
      s.assignments.push({
        principalId,
        roleDefinitionId: roleDef(guid),
        scope,
        ...(condition ? { condition } : {}),
      });
  }
}

/** The live estate exactly as planned: every check PASSes against it. */
export function goodState(exp: Expected, o: StackOutputs, t: TestTokens, url: string): FakeState {
  const rgId = o.resourceGroupId;
  const s: FakeState = {
    arm: new Map(),
    assignments: [],
    graph: { applications: [], servicePrincipals: [] },
    openid: {
      issuer: ISSUER,
      jwks_uri: `${url}/login/${TENANT}/discovery/v2.0/keys`,
      token_endpoint: `${url}/login/${TENANT}/oauth2/v2.0/token`,
    },
    jwks: t.jwks,
    status: new Map(),
    api: {
      health: 200,
      ready: 200,
      audiences: [API_CLIENT_ID, o.apiAudience],
      anonymous: 401,
      overrides: new Map(),
    },
    web: new Map([
      ["/", { status: 302, location: "/.auth/login/aad?post_login_redirect_uri=/" }],
      ["/index.html", { status: 302, location: "/.auth/login/aad?post_login_redirect_uri=/index.html" }],
    ]),
  };
  const principals = new Map<string, string>();
  for (const id of exp.identities) {
    const principalId = idOf(`principal ${id.service}`);
    principals.set(id.service, principalId);
    s.arm.set(`${rgId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${id.name}`.toLowerCase(), {
      name: id.name,
      properties: {
        principalId,
        clientId: o.serviceIdentityClientIds[id.service] ?? idOf(`client ${id.service}`),
        tenantId: TENANT,
      },
    });
  }
  for (const g of exp.grants)
    s.assignments.push({
      principalId: g.principalId ?? principals.get(g.principal)!,
      roleDefinitionId: roleDef(g.roleGuid, g.scope.split("/")[2]),
      scope: g.scope,
    });
  s.graph.applications.push({
    appId: o.apiClientId,
    displayName: `engram-api-${o.environment}`,
    identifierUris: [`api://engram-${o.environment}`],
    signInAudience: "AzureADMyOrg",
    api: {
      requestedAccessTokenVersion: 2,
      oauth2PermissionScopes: [{ value: "user_impersonation", isEnabled: true }],
    },
    passwordCredentials: [],
    keyCredentials: [],
  });
  for (const p of exp.postgres) {
    const base = `${rgId}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${p.name}`.toLowerCase();
    s.arm.set(base, {
      name: p.name,
      properties: {
        authConfig: { activeDirectoryAuth: "Enabled", passwordAuth: p.passwordAuth },
        network: { publicNetworkAccess: p.publicNetworkAccess },
      },
    });
    s.arm.set(
      `${base}/administrators`,
      p.admins.map((a) => ({ name: a, properties: { objectId: a, principalType: "Group" } })),
    );
  }
  const st = `${rgId}/providers/Microsoft.Storage/storageAccounts/${o.storageAccountName}`.toLowerCase();
  s.arm.set(st, {
    properties: {
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: exp.sharedKeyAccess,
      networkAcls: {
        defaultAction: exp.storage.defaultAction,
        ipRules: exp.storage.ipRules.map((value) => ({ value, action: "Allow" })),
      },
      publicNetworkAccess: exp.storage.publicNetworkAccess,
    },
  });
  s.arm.set(
    `${st}/blobservices/default/containers`,
    exp.storage.containers.map((c) => ({ name: c, properties: { publicAccess: "None" } })),
  );
  for (const a of exp.apps)
    s.arm.set(`${rgId}/providers/Microsoft.App/containerApps/${a.name}`.toLowerCase(), {
      properties: {
        configuration: {
          ingress: {
            external: a.external,
            ipSecurityRestrictions: a.allowlist.map((ip, i) => ({
              name: `allow-${i}`,
              action: "Allow",
              ipAddressRange: ip,
            })),
          },
        },
      },
    });
  if (exp.cluster)
    s.arm.set(`${rgId}/providers/Microsoft.ContainerService/managedClusters/${exp.cluster}`.toLowerCase(), {
      properties: {
        apiServerAccessProfile: { enablePrivateCluster: true },
        disableLocalAccounts: true,
        aadProfile: { enableAzureRbac: true },
        networkProfile: { networkPolicy: "cilium" },
      },
    });
  s.web.set("/.auth/login/github", { status: 404 });
  deployers(s, o.environment, rgId);
  return s;
}
