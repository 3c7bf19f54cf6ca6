import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { AlertActionGroup } from "../components/action-group";
import { ContainerApp, ContainerAppArgs } from "../components/container-app";
import { ContainerAppsEnvironment } from "../components/container-apps-environment";
import { EntraApiApp, EntraApiAppArgs } from "../components/entra-api-app";
import { K8sWorkload, K8sWorkloadArgs } from "../components/k8s-workload";
import { PostgresServer, PostgresServerArgs } from "../components/postgres";
import { vnetOf } from "../components/vnet-peering";
import { maskSecrets, runProgram } from "../scripts/offline/engine";
import { PROJECT } from "../scripts/offline/plan";
import { ACCESS, AccessRow, accessOn, secretReadRole } from "../src/access";
import type { EngramConfig } from "../src/config";
import { Context, createContext, Platform } from "../src/context";
import { loadConfig } from "../src/load-config";
import { SecretReader, addExtraSecret, DataLayer } from "../src/layers/data";
import { buildVaultSecrets } from "../src/layers/data/secrets";
import { buildEntra } from "../src/layers/entra";
import { buildPlatformIdentities, buildServiceIdentities } from "../src/layers/identities";
import { NetworkLayer } from "../src/layers/network";
import { buildAlertsAndDiagnostics, buildObservability } from "../src/layers/observability";
import { buildAksRuntime } from "../src/layers/runtime/aks";
import { buildCluster, ClusterDeps } from "../src/layers/runtime/aks/cluster";
import { backendIpOf, buildWorkloads, WorkloadDeps } from "../src/layers/runtime/aks/workloads";
import { buildEnvironment } from "../src/layers/runtime/environment";
import { APP_NAMES, AppPlans } from "../src/layers/runtime/plans";
import { wireTemporalMtls } from "../src/layers/runtime/temporal-mtls";
import { buildWafFront } from "../src/layers/runtime/waf";
import { engram } from "../src/program";
import { changedConfig, ConfigChange, runUnit } from "./helpers/plan";
import { prodSpa } from "./helpers/spa";

/**
 * Guards reachable only through input the config already refuses (issue 14 (b)), each tested
 * directly with a small program, with its exact message, and with a positive control so the test
 * can fail when the guard lets everything through. Guards that fire inside an apply are in
 * tests/guards-apply-time.test.ts.
 */

const CONTAINER_APP = "azure-native:app:ContainerApp";
const typesOf = (run: { resources: { type: string }[] }) => run.resources.map((r) => r.type);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

describe("ContainerApp refuses what would leak or misplace a secret", () => {
  const base: ContainerAppArgs = {
    appName: "ca-engram-prod-backend",
    resourceGroupName: "rg-engram-prod",
    location: "westeurope",
    tags: {},
    environmentId: "env",
    image: "crengramshared.azurecr.io/engram/backend:1.4.0",
    replicas: { min: 1, max: 1 },
    resources: { cpu: 0.5, memory: "1Gi" },
  };
  const identity = {
    id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
  };
  const vaultUrl = "https://kv-engram-prod-abc.vault.azure.net/secrets/zep-api-key";
  const attempt = (args: Partial<ContainerAppArgs>) =>
    runUnit(() => void new ContainerApp("app", { ...base, ...args }));

  it.each([
    ["a Key Vault reference", { keyVaultSecrets: { "zep-api-key": vaultUrl } }],
    ["a registry", { registryServer: "crengramshared.azurecr.io" }],
  ])("GIVEN %s but no identity THEN it refuses before registering the app", async (_, args) => {
    const run = await attempt(args);
    expect(messageOf(run.error)).toBe(
      "ca-engram-prod-backend: Key Vault references and registry pulls need the app's identity",
    );
    expect(typesOf(run)).not.toContain(CONTAINER_APP);
  });

  it("GIVEN a secretRef env var naming a secret the app does not reference THEN it refuses", async () => {
    const run = await attempt({ identity, secretEnv: { ZEP_API_KEY: "zep-api-key" } });
    expect(messageOf(run.error)).toBe(
      "ca-engram-prod-backend: env var ZEP_API_KEY refers to secret zep-api-key, which the app does not reference",
    );
    expect(typesOf(run)).not.toContain(CONTAINER_APP);
  });

  it("GIVEN a secret volume file naming a secret the app does not reference THEN it refuses", async () => {
    const run = await attempt({
      identity,
      secretVolumes: { tls: { mountPath: "/etc/temporal/tls", files: { "ca.pem": "temporal-tls-ca" } } },
    });
    expect(messageOf(run.error)).toBe(
      "ca-engram-prod-backend: volume tls file ca.pem refers to secret temporal-tls-ca, which the app does not reference",
    );
    expect(typesOf(run)).not.toContain(CONTAINER_APP);
  });

  it("GIVEN an env var that is both plain and a secretRef THEN it refuses", async () => {
    const run = await attempt({
      identity,
      keyVaultSecrets: { "zep-api-key": vaultUrl },
      secretEnv: { ZEP_API_KEY: "zep-api-key" },
      env: { ZEP_API_KEY: "plain" },
    });
    expect(messageOf(run.error)).toBe(
      "ca-engram-prod-backend: env var ZEP_API_KEY is both plain and a secretRef",
    );
    expect(typesOf(run)).not.toContain(CONTAINER_APP);
  });

  it.each([
    "AZURE_AI_KEY",
    "POSTGRES_PASSWORD",
    "PGPWD",
    "CLIENT_SECRET",
    "GITHUB_TOKEN",
    "STORAGE_CREDENTIAL",
    "SERVICEBUS_CONNECTION_STRING",
  ])(
    "GIVEN the plain env var %s THEN it refuses: a secret-looking name must be a secretRef (SOP 002)",
    async (name) => {
      const run = await attempt({ env: { [name]: "value" } });
      expect(messageOf(run.error)).toBe(
        `ca-engram-prod-backend: env var ${name} looks like a secret; pass it as a Key Vault secretRef (SOP 002)`,
      );
      expect(typesOf(run)).not.toContain(CONTAINER_APP);
    },
  );

  it("GIVEN names documented as not secret (the App Insights connection string, *_TLS_* file paths) THEN they stay plain", async () => {
    const run = await attempt({
      env: {
        APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=x",
        TEMPORAL_TLS_CLIENT_KEY: "/etc/temporal/tls/client.key",
        AZURE_AI_ENDPOINT: "https://ai.example",
      },
    });
    expect(run.error).toBeUndefined();
    const app = run.resources.find((r) => r.type === CONTAINER_APP);
    expect(
      (app?.inputs as { template: { containers: { env: unknown[] }[] } }).template.containers[0].env,
    ).toEqual([
      { name: "APPLICATIONINSIGHTS_CONNECTION_STRING", value: "InstrumentationKey=x" },
      { name: "AZURE_AI_ENDPOINT", value: "https://ai.example" },
      { name: "TEMPORAL_TLS_CLIENT_KEY", value: "/etc/temporal/tls/client.key" },
    ]);
  });

  it("GIVEN a Key Vault reference with the identity THEN the secret is a reference read with that identity, and its env var a secretRef", async () => {
    const run = await attempt({
      identity,
      keyVaultSecrets: { "zep-api-key": vaultUrl },
      secretEnv: { ZEP_API_KEY: "zep-api-key" },
    });
    expect(run.error).toBeUndefined();
    const app = run.resources.find((r) => r.type === CONTAINER_APP)?.inputs as {
      identity: unknown;
      configuration: { secrets: unknown[] };
      template: { containers: { env: unknown[] }[] };
    };
    expect(app.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [identity.id] });
    expect(app.configuration.secrets).toEqual([
      { name: "zep-api-key", keyVaultUrl: vaultUrl, identity: identity.id },
    ]);
    expect(app.template.containers[0].env).toEqual([{ name: "ZEP_API_KEY", secretRef: "zep-api-key" }]);
  });
});

describe("EntraSpaApp: redirect URIs known when the program runs are refused before anything is registered", () => {
  const spa = (redirectUris: pulumi.Input<string>[], allowLocalhost?: boolean) =>
    runUnit(() => prodSpa(redirectUris, allowLocalhost));

  it("GIVEN the program's own mix (the Static Web App origin as an Output, a localhost string) in a higher environment THEN it refuses at once", async () => {
    const run = await spa([pulumi.output("https://calm-1.5.azurestaticapps.net"), "http://localhost:3000"]);
    expect(messageOf(run.error)).toBe(
      "engram-web-prod: redirect URI http://localhost:3000 is refused: SPA redirect URIs are https; localhost is allowed only in dev and test (SOP 001 CORS)",
    );
    expect(typesOf(run)).toEqual(["pulumi:pulumi:Stack", "engram:entra:EntraSpaApp"]);
  });

  it.each(["https://*.engram.example", "https://app.engram.example/?next=x", "http://127.0.0.1"])(
    "GIVEN %s, even with localhost allowed THEN it refuses",
    async (uri) => {
      const run = await spa(["https://dev.engram.example", uri], true);
      expect(messageOf(run.error)).toBe(
        `engram-web-prod: redirect URI ${uri} is refused: SPA redirect URIs are https or http://localhost:PORT`,
      );
      expect(typesOf(run)).toEqual(["pulumi:pulumi:Stack", "engram:entra:EntraSpaApp"]);
    },
  );

  it("GIVEN localhost allowed (dev, test) THEN http://localhost:PORT and http://127.0.0.1:PORT are accepted", async () => {
    const run = await spa(
      ["https://dev.engram.example", "http://localhost:5173", "http://127.0.0.1:3000"],
      true,
    );
    expect(run.error).toBeUndefined();
    expect(typesOf(run)).toContain("azuread:index/application:Application");
  });
});

describe("EntraApiApp refuses ambiguous roles and scopes", () => {
  const ROLE_ID = "6f1b9a63-2b0e-5f55-9a2c-0d4c3c1c0001";
  const SCOPE_ID = "6f1b9a63-2b0e-5f55-9a2c-0d4c3c1c0002";
  const args = (over: Partial<EntraApiAppArgs>): EntraApiAppArgs => ({
    displayName: "engram-api-dev",
    identifierUri: "api://engram-dev",
    appRoles: { Admin: { displayName: "Admin", description: "a", id: ROLE_ID } },
    scope: {
      value: "user_impersonation",
      id: SCOPE_ID,
      adminConsentDisplayName: "a",
      adminConsentDescription: "a",
      userConsentDisplayName: "a",
      userConsentDescription: "a",
    },
    owners: [],
    ...over,
  });
  const api = (over: Partial<EntraApiAppArgs>) => runUnit(() => void new EntraApiApp("api", args(over)));

  it("GIVEN a scope id equal to a role id (in another case) THEN it refuses before registering", async () => {
    const run = await api({ scope: { ...args({}).scope, id: ROLE_ID.toUpperCase() } });
    expect(messageOf(run.error)).toBe("engram-api-dev: app role and scope ids must be distinct");
    expect(typesOf(run)).toEqual(["pulumi:pulumi:Stack", "engram:entra:EntraApiApp"]);
  });

  it("GIVEN a scope value equal to a role value THEN it refuses before registering", async () => {
    const run = await api({ scope: { ...args({}).scope, value: "Admin" } });
    expect(messageOf(run.error)).toBe(
      "engram-api-dev: the scope value Admin collides with an app role value (Entra keeps them in one namespace)",
    );
    expect(typesOf(run)).toEqual(["pulumi:pulumi:Stack", "engram:entra:EntraApiApp"]);
  });

  it("GIVEN an assignment to a role the app does not define THEN it refuses and assigns nothing", async () => {
    const run = await api({ roleAssignments: { "group:pm": { principalObjectId: "g", role: "PM" } } });
    expect(messageOf(run.error)).toBe(
      "engram-api-dev: app-role assignment group:pm names the role PM, which this app does not define (removed roles cannot be assigned)",
    );
    expect(typesOf(run)).not.toContain("azuread:index/appRoleAssignment:AppRoleAssignment");
  });

  it("GIVEN distinct ids and values and an assignment to a defined role THEN the app and the assignment are registered", async () => {
    const run = await api({ roleAssignments: { "group:admin": { principalObjectId: "g", role: "Admin" } } });
    expect(run.error).toBeUndefined();
    expect(typesOf(run)).toContain("azuread:index/appRoleAssignment:AppRoleAssignment");
  });
});

describe("component arguments that config validation never lets through", () => {
  /** A dev Postgres server with `args` over its settings. */
  const postgres = (args: Partial<PostgresServerArgs>) =>
    runUnit(() => {
      new PostgresServer("psql", {
        serverName: "psql-engram-dev-abc",
        resourceGroupName: "rg-engram-dev",
        location: "westeurope",
        tenantId: "11111111-1111-1111-1111-111111111111",
        databases: ["engram"],
        tags: {},
        ...args,
      });
    });
  /** A prod action group with that short name. */
  const actionGroup = (shortName: string) =>
    runUnit(() => {
      new AlertActionGroup("ag", {
        actionGroupName: "ag-engram-prod",
        shortName,
        resourceGroupName: "rg-engram-prod",
        tags: {},
        emails: ["sre@engram.example"],
      });
    });

  it("PostgresServer: password auth without a login and password is refused before the server is registered", async () => {
    const run = await postgres({ passwordAuth: true, administratorLogin: "engram_admin" });
    expect(messageOf(run.error)).toBe(
      "Postgres server psql-engram-dev-abc: password auth needs administratorLogin and administratorPassword",
    );
    expect(typesOf(run)).not.toContain("azure-native:dbforpostgresql:Server");
  });

  it.each(["10.0.0.1/8", "0.0.0.0/-1", "example.com"])(
    "PostgresServer: the firewall range %s (host bits set, or not IPv4) is refused, so no rule is guessed from it",
    async (cidr) => {
      const run = await postgres({ publicNetworkAccess: true, allowedIpRanges: [cidr] });
      expect(messageOf(run.error)).toBe(`"${cidr}" is not an IPv4 address or CIDR with no host bits set`);
      expect(typesOf(run)).not.toContain("azure-native:dbforpostgresql:FirewallRule");
    },
  );

  it("PostgresServer: a public server gets one firewall rule per allowlisted range, first to last address", async () => {
    const run = await postgres({
      publicNetworkAccess: true,
      allowedIpRanges: ["10.0.0.0/8", "198.51.100.7"],
    });
    expect(run.error).toBeUndefined();
    const rules = run.resources
      .filter((r) => r.type === "azure-native:dbforpostgresql:FirewallRule")
      .map((r) => [r.inputs.firewallRuleName, r.inputs.startIpAddress, r.inputs.endIpAddress]);
    expect(rules).toEqual([
      ["allowlist-10-0-0-0-8", "10.0.0.0", "10.255.255.255"],
      ["allowlist-198-51-100-7", "198.51.100.7", "198.51.100.7"],
    ]);
  });

  it("ContainerAppsEnvironment: an internal environment (the default) without a VNet for its private DNS is refused", async () => {
    const run = await runUnit(() => {
      new ContainerAppsEnvironment("cae", {
        environmentName: "cae-engram-prod",
        resourceGroupName: "rg-engram-prod",
        location: "westeurope",
        tags: {},
        infrastructureSubnetId: "subnet",
      });
    });
    expect(messageOf(run.error)).toBe("cae: an internal environment needs vnetId for its private DNS zone");
    expect(typesOf(run)).not.toContain("azure-native:privatedns:PrivateZone");
  });

  it.each(["", "engram-alerts"])(
    'AlertActionGroup: the short name "%s" (not 1-12 characters) is refused',
    async (shortName) => {
      const run = await actionGroup(shortName);
      expect(messageOf(run.error)).toBe(`action group short name "${shortName}" must be 1-12 characters`);
      expect(typesOf(run)).not.toContain("azure-native:monitor:ActionGroup");
    },
  );

  it("AlertActionGroup: a 12-character short name is accepted", async () => {
    const run = await actionGroup("engram-alert");
    expect(run.error).toBeUndefined();
    expect(typesOf(run)).toContain("azure-native:monitor:ActionGroup");
  });
});

describe("K8sWorkload refuses what would leak or misplace a secret (the AKS counterpart of ContainerApp)", () => {
  const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
  const base: K8sWorkloadArgs = {
    app: "backend",
    namespace: "engram",
    labels: {},
    image: "crengramshared.azurecr.io/engram/backend:1.4.0",
    secretEnv: {},
    secretFiles: {},
    env: {},
    replicas: { min: 1, max: 1 },
    resources: { cpu: 0.5, memory: "1Gi" },
    security: { runAsUser: 10001, readOnlyRootFilesystem: true },
    zoneSpread: false,
  };
  const identity = {
    clientId: "00000000-0000-4000-8000-0000000000b1",
    identityName: "id-engram-prod-backend",
    resourceGroupName: "rg-engram-prod",
    issuer: "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/",
  };
  const keyVault = { name: "kv-engram-prod-abc", tenantId: "11111111-1111-1111-1111-111111111111" };
  const attempt = (args: Partial<K8sWorkloadArgs>) =>
    runUnit(() => void new K8sWorkload("aks-backend", { ...base, ...args }, {}));

  it.each([
    ["no workload identity", { keyVault }],
    ["no vault", { identity }],
  ])("GIVEN Key Vault secrets but %s THEN it refuses before registering the Deployment", async (_, args) => {
    const run = await attempt({
      ...args,
      secrets: ["zep-api-key"],
      secretEnv: { ZEP_API_KEY: "zep-api-key" },
    });
    expect(messageOf(run.error)).toBe(
      "backend: Key Vault secrets need the app's workload identity and the vault",
    );
    expect(typesOf(run)).not.toContain(DEPLOYMENT);
  });

  it.each([
    ["an env var", { secretEnv: { ZEP_API_KEY: "zep-api-key" } }, "ZEP_API_KEY", "zep-api-key"],
    [
      "a secret file",
      { secretFiles: { "/etc/temporal/tls/ca.pem": "temporal-tls-ca" } },
      "/etc/temporal/tls/ca.pem",
      "temporal-tls-ca",
    ],
  ])("GIVEN %s from a secret the app does not read THEN it refuses", async (_, args, what, secret) => {
    const run = await attempt({ identity, keyVault, secrets: ["azure-ai-key"], ...args });
    expect(messageOf(run.error)).toBe(
      `backend: ${what} refers to secret ${secret}, which the app does not read`,
    );
    expect(typesOf(run)).not.toContain(DEPLOYMENT);
  });

  it("GIVEN an env var that is both plain and from a secret THEN it refuses", async () => {
    const run = await attempt({
      identity,
      keyVault,
      secrets: ["zep-api-key"],
      secretEnv: { ZEP_API_KEY: "zep-api-key" },
      env: { ZEP_API_KEY: "plain" },
    });
    expect(messageOf(run.error)).toBe("backend: env var ZEP_API_KEY is both plain and from a secret");
    expect(typesOf(run)).not.toContain(DEPLOYMENT);
  });

  it.each(["AZURE_AI_KEY", "POSTGRES_PASSWORD", "CLIENT_SECRET"])(
    "GIVEN the plain env var %s THEN it refuses: a secret-looking name is read from Key Vault (SOP 002)",
    async (name) => {
      const run = await attempt({ env: { [name]: "value" } });
      expect(messageOf(run.error)).toBe(
        `backend: env var ${name} looks like a secret; read it from Key Vault (SOP 002)`,
      );
      expect(typesOf(run)).not.toContain(DEPLOYMENT);
    },
  );

  it("GIVEN the identity, the vault and a secret it reads THEN the Deployment takes it from the synced secret", async () => {
    const run = await attempt({
      identity,
      keyVault,
      secrets: ["zep-api-key"],
      secretEnv: { ZEP_API_KEY: "zep-api-key" },
      env: { LOG_LEVEL: "info" },
    });
    expect(run.error).toBeUndefined();
    const deployment = run.resources.find((r) => r.type === DEPLOYMENT);
    expect(
      (deployment?.inputs as { spec: { template: { spec: { containers: { env: unknown[] }[] } } } }).spec
        .template.spec.containers[0].env,
    ).toEqual([
      { name: "LOG_LEVEL", value: "info" },
      { name: "ZEP_API_KEY", valueFrom: { secretKeyRef: { name: "backend-kv-env", key: "zep-api-key" } } },
    ]);
  });
});

describe("vnetOf: the resource group and name of a peered VNet, from its ARM id", () => {
  it.each([
    "vnet-hub",
    "/subscriptions/s/resourceGroups/rg-hub/providers/Microsoft.Network/networkSecurityGroups/nsg-hub",
    "/subscriptions/s/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/s",
  ])("GIVEN %s THEN it refuses (no peering is guessed from it)", (id) => {
    expect(() => vnetOf(id)).toThrow(new Error(`"${id}" is not the resource id of a virtual network`));
  });

  it("GIVEN a VNet's ARM id THEN its resource group and name", () => {
    expect(
      vnetOf("/subscriptions/s/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub"),
    ).toEqual({ resourceGroupName: "rg-hub", vnetName: "vnet-hub" });
  });
});

describe("layer guards: each layer on its own on a committed stack's config, one input changed", () => {
  const AI_KEY = { "engram:azureAiKey": "test-ai-key-guards-0001" };
  /**
   * One layer on its own, on a committed stack's config as the program reads it (loadConfig), with
   * `adjust` applied to that config: the layer's guard without the rest of the program run.
   */
  async function layerRun(
    stack: string,
    change: ConfigChange,
    adjust: (cfg: EngramConfig) => EngramConfig,
    layer: (ctx: Context, platform: Platform) => void,
  ): Promise<{ types: string[]; urns: string[]; error: unknown }> {
    const { values, secretKeys } = changedConfig(stack, change);
    const run = await runProgram({
      project: PROJECT,
      stack,
      config: values,
      secretKeys,
      program: async () => {
        const platform: Platform = {
          resourceGroupName: pulumi.output(`rg-engram-${stack}`),
          resourceGroupId: pulumi.output(`/subscriptions/${SUB}/resourceGroups/rg-engram-${stack}`),
          location: "westeurope",
          subscriptionId: pulumi.output(SUB),
          tenantId: pulumi.output(TENANT),
        };
        layer(createContext(adjust(loadConfig())), platform);
        return {};
      },
    });
    return { types: typesOf(run), urns: run.resources.map((r) => r.urn), error: run.error };
  }
  const SUB = "5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59";
  const TENANT = "0b7e3a1c-2d4f-4e6a-8b9c-1d2e3f4a5b6c";

  /** The target the data layer writes its secrets to: the service identities and a vault by name. */
  const vaultTarget = (ctx: Context, platform: Platform) => ({
    vault: {
      name: pulumi.output(`kv-engram-${ctx.cfg.environment}`),
      vaultUri: pulumi.output(`https://kv-engram-${ctx.cfg.environment}.vault.azure.net/`),
    },
    after: [],
    identities: buildServiceIdentities(ctx, platform),
  });

  describe("addExtraSecret (the runtime layer's way to add the Temporal mTLS secrets)", () => {
    const backend = { principalId: "p", principalType: "ServicePrincipal" as const, label: "backend" };
    const attempts: Record<string, { name: string; readers: SecretReader[] }> = {
      "an invalid name": { name: "bad name!", readers: ["backend"] },
      "a name the vault already holds": { name: "zep-api-key", readers: ["backend"] },
      "a reader listed twice": { name: "extra-secret-1", readers: ["worker", "worker"] },
      "an extra reader labelled as a service": {
        name: "extra-secret-2",
        readers: [{ label: "backend", principal: backend }],
      },
      "an extra reader without a kv-secret row": {
        name: "extra-secret-4",
        readers: [
          {
            label: "auditor",
            principal: { principalId: "p", principalType: "ServicePrincipal", label: "auditor" },
          },
        ],
      },
      "a new valid secret for one service": { name: "extra-secret-3", readers: ["backend"] },
    };
    /** What each attempt threw ("accepted" when nothing), from one run of the dev program. */
    const outcomes: Record<string, string> = {};
    let types: string[] = [];

    beforeAll(async () => {
      // The data layer's vault secrets, then each attempt adds one secret to the same vault.
      const run = await layerRun(
        "dev",
        { secrets: AI_KEY },
        (cfg) => cfg,
        (ctx, platform) => {
          const target = vaultTarget(ctx, platform);
          buildVaultSecrets(ctx, platform, target);
          for (const [label, a] of Object.entries(attempts)) {
            try {
              addExtraSecret(ctx, platform, target, a.name, {
                value: pulumi.secret("value"),
                contentType: "text/plain",
                readers: a.readers,
              });
              outcomes[label] = "accepted";
            } catch (err) {
              outcomes[label] = messageOf(err);
            }
          }
        },
      );
      expect(run.error).toBeUndefined();
      types = run.types;
    });

    it.each([
      ["an invalid name", 'vault secret name "bad name!" is not valid: 1-127 letters, digits and hyphens'],
      [
        "a name the vault already holds",
        "vault secret zep-api-key already exists in the dev vault (DESIGN.md §3)",
      ],
      ["a reader listed twice", "vault secret extra-secret-1: a reader is listed twice (worker, worker)"],
      [
        "an extra reader labelled as a service",
        'vault secret extra-secret-2: extra reader "backend" needs its own label (its principal\'s, not a service name)',
      ],
      [
        "an extra reader without a kv-secret row",
        "vault secret extra-secret-4: auditor reads it but has no kv-secret row in src/access.ts (DESIGN.md §4)",
      ],
    ])("GIVEN %s THEN it is refused", (label, message) => {
      expect(outcomes[label]).toBe(message);
    });

    it("GIVEN a new valid secret for one service THEN it is accepted, and only that secret is added", () => {
      expect(outcomes["a new valid secret for one service"]).toBe("accepted");
      expect(types.filter((t) => t === "engram:security:VaultSecret")).toHaveLength(4);
    });
  });

  it("the data layer refuses a provided secret whose config value is empty", async () => {
    const { urns, error } = await layerRun(
      "dev",
      { secrets: AI_KEY },
      (cfg) => ({
        ...cfg,
        secrets: { ...cfg.secrets, azureAiKey: undefined as unknown as pulumi.Output<string> },
      }),
      (ctx, platform) => void buildVaultSecrets(ctx, platform, vaultTarget(ctx, platform)),
    );
    expect(messageOf(error)).toBe("vault secret azure-ai-key: engram:azureAiKey has no value");
    // The generated secret before it is written (the layer ran), the provided one is not.
    expect(urns.filter((u) => u.endsWith("::secret-zep-api-key"))).toHaveLength(1);
    expect(urns.filter((u) => u.includes("azure-ai-key"))).toEqual([]);
  });

  it.each(["uat", "staging", "prod"] as const)(
    "the Entra layer wires localhost off in %s: a localhost origin that got past config is refused by the SPA registration",
    async (env) => {
      const { types, error } = await layerRun(
        env,
        { secrets: AI_KEY },
        (cfg) => ({ ...cfg, devOrigins: ["http://localhost:3000"] }),
        (ctx, platform) => void buildEntra(ctx, platform, { extraSpaOrigins: [] }),
      );
      expect(messageOf(error)).toBe(
        `engram-web-${env}: redirect URI http://localhost:3000 is refused: SPA redirect URIs are https; localhost is allowed only in dev and test (SOP 001 CORS)`,
      );
      // The API registration only: the SPA's is never made.
      expect(types.filter((t) => t === "azuread:index/application:Application")).toHaveLength(1);
    },
  );

  it("GIVEN the same layer in dev THEN the localhost origin is wired (the control: the refusal above is the environment's)", async () => {
    const { types, error } = await layerRun(
      "dev",
      { secrets: AI_KEY },
      (cfg) => ({ ...cfg, devOrigins: ["http://localhost:3000"] }),
      (ctx, platform) => void buildEntra(ctx, platform, { extraSpaOrigins: [] }),
    );
    expect(error).toBeUndefined();
    expect(types.filter((t) => t === "azuread:index/application:Application")).toHaveLength(2);
  });

  it("the runtime layer refuses a WAF without the identities layer's gateway identity", async () => {
    const { types, error } = await layerRun(
      "uat",
      { set: { "engram:waf": "true" }, secrets: AI_KEY },
      (cfg) => cfg,
      (ctx, platform) => {
        const network = { subnets: { appgw: { id: pulumi.output("snet-engram-uat-appgw-id") } } };
        buildWafFront(
          ctx,
          platform,
          { network: network as unknown as NetworkLayer, data: {} as DataLayer, platformIdentities: {} },
          { fqdn: "ca-engram-uat-backend.internal" },
        );
      },
    );
    expect(messageOf(error)).toBe("the WAF is on but the identities layer made no gateway identity");
    expect(types).not.toContain("azure-native:network:ApplicationGateway");
    expect(types).not.toContain("azure-native:network:WebApplicationFirewallPolicy");
  });

  it("the runtime layer refuses a WAF without the network layer's appgw subnet", async () => {
    const { types, error } = await layerRun(
      "uat",
      { set: { "engram:waf": "true" }, secrets: AI_KEY },
      (cfg) => cfg,
      (ctx, platform) => {
        const network = { subnets: {} } as unknown as NetworkLayer;
        const platformIdentities = buildPlatformIdentities(ctx, platform);
        expect(platformIdentities.appgw).toBeDefined();
        buildWafFront(
          ctx,
          platform,
          { network, data: {} as DataLayer, platformIdentities },
          { fqdn: "ca-engram-uat-backend.internal" },
        );
      },
    );
    expect(messageOf(error)).toBe("the WAF is on but the network layer has no appgw subnet");
    expect(types).not.toContain("azure-native:network:ApplicationGateway");
  });

  it.each([
    ["no appgw row", 0],
    ["two appgw rows", 2],
  ] as const)(
    "the runtime layer refuses a WAF when src/access.ts gives the appgw-cert scope %s",
    async (_, rows) => {
      const table = ACCESS as AccessRow[];
      const row = table.findIndex((r) => r.who === "appgw" && r.on === "appgw-cert");
      const original = table[row];
      const edited = rows === 0 ? [] : [original, { ...original }];
      table.splice(row, 1, ...edited);
      try {
        const { types, error } = await layerRun(
          "uat",
          { set: { "engram:waf": "true" }, secrets: AI_KEY },
          (cfg) => cfg,
          (ctx, platform) => {
            const network = { subnets: { appgw: { id: pulumi.output("snet-engram-uat-appgw-id") } } };
            buildWafFront(
              ctx,
              platform,
              {
                network: network as unknown as NetworkLayer,
                data: {} as DataLayer,
                platformIdentities: buildPlatformIdentities(ctx, platform),
              },
              { fqdn: "ca-engram-uat-backend.internal" },
            );
          },
        );
        expect(messageOf(error)).toBe(
          `src/access.ts: the appgw-cert scope takes exactly one appgw row (found ${rows})`,
        );
        expect(types).not.toContain("azure-native:network:ApplicationGateway");
      } finally {
        table.splice(row, edited.length, original);
      }
      expect(accessOn("appgw-cert")).toEqual([{ who: "appgw", role: "Key Vault Secrets User" }]);
    },
  );

  it("the program refuses tables that disagree (a reader without its kv-secret row) before it registers anything", async () => {
    const table = ACCESS as AccessRow[];
    const row = table.findIndex((r) => r.who === "zep" && r.on === "kv-secret");
    const [removed] = table.splice(row, 1);
    let run: Awaited<ReturnType<typeof runProgram>>;
    try {
      const { values, secretKeys } = changedConfig("dev", { secrets: AI_KEY });
      run = await runProgram({ project: PROJECT, stack: "dev", config: values, secretKeys, program: engram });
    } finally {
      table.splice(row, 0, removed);
    }
    expect(messageOf(run.error)).toBe(
      [
        "vault secret zep-api-key: zep reads it but has no kv-secret row in src/access.ts (DESIGN.md §4)",
        "vault secret azure-ai-key: zep reads it but has no kv-secret row in src/access.ts (DESIGN.md §4)",
        "vault secret postgres-password: zep reads it but has no kv-secret row in src/access.ts (DESIGN.md §4)",
      ].join("; "),
    );
    expect(typesOf(run).filter((t) => t !== "pulumi:pulumi:Stack")).toEqual([]);
    expect(secretReadRole("zep")).toBe("Key Vault Secrets User");
  });

  it("the AKS runtime refuses to build without the identities layer's AKS identities", async () => {
    const { types, error } = await layerRun(
      "prod",
      { secrets: AI_KEY },
      (cfg) => cfg,
      (ctx, platform) =>
        void buildAksRuntime(ctx, platform, {
          identities: buildServiceIdentities(ctx, platform),
          platformIdentities: {},
          network: { subnets: {} } as unknown as NetworkLayer,
          data: {
            secretUrl: (name: string) =>
              pulumi.output(`https://kv-engram-prod.vault.azure.net/secrets/${name}`),
            secretRotations: {},
          } as unknown as DataLayer,
          apiClientId: "00000000-0000-4000-8000-000000000001",
          webOrigin: "https://app.engram.example",
          workspaceId: "log-engram-prod-id",
        }),
    );
    expect(messageOf(error)).toBe("runtime aks: the identities layer made no AKS identities");
    expect(types).not.toContain("azure-native:containerservice:ManagedCluster");
  });

  it("the observability layer refuses the Entra sign-in alert without the API's client id", async () => {
    const run = (apiClientId: string | undefined) =>
      layerRun(
        "uat",
        { set: { "engram:signInAlerts": "true" }, secrets: AI_KEY },
        (cfg) => cfg,
        (ctx, platform) =>
          void buildAlertsAndDiagnostics(ctx, platform, {
            monitoring: buildObservability(ctx, platform),
            apiClientId,
          }),
      );
    const { types, error } = await run(undefined);
    expect(messageOf(error)).toBe(
      "the Entra sign-in alert (engram:signInAlerts) needs the API registration's client id",
    );
    expect(types).not.toContain("azure-native:monitor:ScheduledQueryRule");
    // The control: with the client id the same layer makes its log alerts.
    const control = await run("00000000-0000-4000-8000-000000000001");
    expect(control.error).toBeUndefined();
    expect(control.types).toContain("azure-native:monitor:ScheduledQueryRule");
  });

  it("the runtime layer refuses a Container Apps environment without the network layer's aca subnet", async () => {
    const run = (network: NetworkLayer) =>
      layerRun(
        "dev",
        { secrets: AI_KEY },
        (cfg) => cfg,
        (ctx, platform) => void buildEnvironment(ctx, platform, network),
      );
    const { types, error } = await run({ subnets: {} } as unknown as NetworkLayer);
    expect(messageOf(error)).toBe("the Container Apps environment needs the aca subnet (runtime aca)");
    expect(types).not.toContain("azure-native:app:ManagedEnvironment");
    // The control: with the aca subnet the same layer makes the environment on it.
    const control = await run({
      subnets: { aca: { id: pulumi.output("snet-engram-dev-aca-id") } },
      vnetId: pulumi.output("vnet-engram-dev-id"),
    } as unknown as NetworkLayer);
    expect(control.error).toBeUndefined();
    expect(control.types).toContain("azure-native:app:ManagedEnvironment");
  });

  it("the AKS runtime refuses its workloads without the network layer's aks subnet, before the Kubernetes provider is made", async () => {
    const { types, error } = await layerRun(
      "prod",
      { secrets: AI_KEY },
      (cfg) => cfg,
      (ctx, platform) =>
        void buildWorkloads(ctx, platform, {
          network: { subnets: {} } as unknown as NetworkLayer,
          // A cluster, so that without the guard the provider would be made (the checks below can fail).
          cluster: { kubeconfig: pulumi.secret("apiVersion: v1") },
        } as unknown as WorkloadDeps),
    );
    expect(types).not.toContain("pulumi:providers:kubernetes");
    expect(types).not.toContain("kubernetes:core/v1:Namespace");
    expect(messageOf(error)).toBe("the AKS runtime needs the network layer's aks subnet");
  });

  it("the AKS runtime refuses its cluster without the network layer's aks subnet, before the API server's private DNS zone", async () => {
    const { types, error } = await layerRun(
      "prod",
      { secrets: AI_KEY },
      (cfg) => cfg,
      (ctx, platform) =>
        void buildCluster(ctx, platform, {
          network: { subnets: {} } as unknown as NetworkLayer,
          identities: {},
        } as unknown as ClusterDeps),
    );
    expect(types).not.toContain("azure-native:privatedns:PrivateZone");
    expect(types).not.toContain("azure-native:containerservice:ManagedCluster");
    expect(messageOf(error)).toBe("the AKS cluster needs the aks subnet (runtime aks)");
  });

  it("Temporal mTLS refuses to write its secrets when the Temporal UI has no identity", async () => {
    const run = (withUiIdentity: boolean) =>
      layerRun(
        "prod",
        { secrets: AI_KEY },
        (cfg) => cfg,
        (ctx, platform) => {
          const ui = withUiIdentity ? buildPlatformIdentities(ctx, platform)["temporal-ui"] : undefined;
          const plans = Object.fromEntries(
            APP_NAMES.map((a) => [
              a,
              { keyVaultSecrets: {}, secretEnv: {}, env: {}, secretVolumes: {}, grants: [], rotations: {} },
            ]),
          ) as unknown as AppPlans;
          wireTemporalMtls(
            ctx,
            platform,
            { name: "ca-engram-prod-temporal", dnsNames: [] },
            { secretTarget: vaultTarget(ctx, platform) },
            ui,
            plans,
          );
        },
      );
    const { types, error } = await run(false);
    expect(messageOf(error)).toBe("Temporal mTLS is on but the temporal-ui has no identity");
    expect(types.filter((t) => t === "engram:security:VaultSecret")).toEqual([]);
    // The control: with the UI's identity the seven temporal-tls-* secrets are written.
    const control = await run(true);
    expect(control.error).toBeUndefined();
    expect(control.types.filter((t) => t === "engram:security:VaultSecret")).toHaveLength(7);
  });
});

describe("backendIpOf: the backend's internal load balancer address, the last usable address of the AKS subnet", () => {
  it.each(["10.50.0.0/29", "10.50.0.0/32", "not-a-cidr"])(
    "GIVEN the AKS subnet %s (smaller than a /28, or no CIDR) THEN it refuses",
    (aksSubnet) => {
      expect(() => backendIpOf(aksSubnet)).toThrow(
        new Error(`the AKS subnet ${aksSubnet} cannot hold the backend's load balancer`),
      );
    },
  );

  it("GIVEN a /28 and prod's /23 THEN the last address before the broadcast address", () => {
    expect(backendIpOf("10.50.0.0/28")).toBe("10.50.0.14");
    expect(backendIpOf("10.50.0.0/23")).toBe("10.50.1.254");
  });
});

describe("the engine masks secrets (what `pulumi preview --json` prints)", () => {
  const SECRET = "s3cr3t-value-for-the-mask-test";

  it("GIVEN pulumi.secret stack outputs and resource inputs THEN the recorded plan shows [secret] and never the value", async () => {
    const run = await runProgram({
      project: PROJECT,
      stack: "unit",
      config: {},
      secretKeys: [],
      program: async () => {
        new resources.ResourceGroup("rg", {
          resourceGroupName: "rg-engram-unit",
          location: "westeurope",
          tags: { token: pulumi.secret(SECRET), owner: "platform" },
        });
        return {
          token: pulumi.secret(SECRET),
          nested: { inner: pulumi.secret(SECRET), visible: "shown" },
          derived: pulumi.secret(SECRET).apply((s) => s.toUpperCase()),
          plain: "plain-value",
        };
      },
    });
    expect(run.error).toBeUndefined();
    const stack = run.resources.find((r) => r.type === "pulumi:pulumi:Stack");
    expect(stack?.outputs).toEqual({
      token: "[secret]",
      nested: { inner: "[secret]", visible: "shown" },
      derived: "[secret]",
      plain: "plain-value",
    });
    const rg = run.resources.find((r) => r.type === "azure-native:resources:ResourceGroup");
    expect(rg?.inputs.tags).toEqual({ token: "[secret]", owner: "platform" });
    const recorded = JSON.stringify(run.resources);
    expect(recorded).not.toContain(SECRET);
    expect(recorded).not.toContain(SECRET.toUpperCase());
  });

  it("maskSecrets: every wire form of a secret becomes [secret]; plain values, unknowns and resource references stay readable", () => {
    // The Pulumi wire format's signature key and values (@pulumi/pulumi runtime/rpc), written out.
    const SIG = "4dabf18193072939515e22adb298388d";
    const SECRET = "1b47061264138c4ac30d75fd1eb44270";
    const OUTPUT_VALUE = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
    const RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e";
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(
      maskSecrets({
        secret: { [SIG]: SECRET, value: "v1" },
        secretOutput: { [SIG]: OUTPUT_VALUE, value: "v2", secret: true },
        secretUnknownOutput: { [SIG]: OUTPUT_VALUE, secret: true },
        plainOutput: { [SIG]: OUTPUT_VALUE, value: "shown" },
        unknownOutput: { [SIG]: OUTPUT_VALUE },
        resource: { [SIG]: RESOURCE, urn: "urn:pulumi:unit::engram-infra::x::y", id: "id" },
        list: ["a", { [SIG]: SECRET, value: "v3" }],
        nested: { deeper: { [SIG]: OUTPUT_VALUE, value: { inner: { [SIG]: SECRET, value: "v4" } } } },
      }),
    ).toEqual({
      secret: "[secret]",
      secretOutput: "[secret]",
      secretUnknownOutput: "[secret]",
      plainOutput: "shown",
      unknownOutput: UNKNOWN,
      resource: "urn:pulumi:unit::engram-infra::x::y",
      list: ["a", "[secret]"],
      nested: { deeper: { inner: "[secret]" } },
    });
  });
});

// The components' own guards, in this file's module registry (the SDK loads once per run).
import "./component-guards.cases";
