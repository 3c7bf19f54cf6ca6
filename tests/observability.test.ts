import type { DiagnosticKind } from "../components/diagnostic-setting";
import type { PlanStep } from "../scripts/offline/plan";
import { PlanIndex } from "../scripts/offline/plan-index";
import { isHigher, SETTINGS } from "../src/matrix";
import { idOf, principalIdOf } from "./helpers/data";
import { ENVIRONMENTS, Environment, planOk, stackConfig } from "./helpers/plan";
import { AKS_CHANGE } from "./helpers/variants";

const WORKSPACE = "azure-native:operationalinsights:Workspace";
const APP_INSIGHTS = "azure-native:applicationinsights:Component";
const DIAG = "azure-native:monitor:DiagnosticSetting";
/** Azure's built-in role definition ids (written out, not read from lib/roles.ts). */
const ROLE_GUIDS = {
  "Monitoring Reader": "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
  "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
  "Log Analytics Reader": "73c42c96-874c-492b-b04d-ab87d138a893",
} as const;
const RETENTION: Record<Environment, number> = { dev: 30, test: 30, uat: 90, staging: 90, prod: 365 };

function workspaceId(index: PlanIndex): string {
  return idOf(index.one(WORKSPACE));
}

/** The diagnostic settings whose target is `resourceId`. */
function settingsOn(index: PlanIndex, resourceId: string): PlanStep[] {
  return index.ofType(DIAG).filter((d) => d.newState.inputs.resourceUri === resourceId);
}

/** What a diagnostic setting of a kind must send (categories, metrics, destination type). */
/**
 * What each audited kind must ship (SOP 000 Logging & Monitoring, Audit & Logging), written out
 * here rather than read from components/diagnostic-setting.ts, so a category dropped there fails.
 */
const EXPECTED_PROFILES: Record<
  DiagnosticKind,
  { logs: ({ categoryGroup: string } | { category: string })[]; metrics: string[]; dedicated: boolean }
> = {
  keyVault: { logs: [{ categoryGroup: "audit" }], metrics: ["AllMetrics"], dedicated: true },
  blobService: {
    logs: [{ category: "StorageRead" }, { category: "StorageWrite" }, { category: "StorageDelete" }],
    metrics: ["Transaction"],
    dedicated: false,
  },
  postgresServer: {
    logs: [{ category: "PostgreSQLLogs" }, { category: "PostgreSQLFlexSessions" }],
    metrics: ["AllMetrics"],
    dedicated: false,
  },
  containerAppsEnvironment: {
    logs: [{ category: "ContainerAppConsoleLogs" }, { category: "ContainerAppSystemLogs" }],
    metrics: [],
    dedicated: true,
  },
  applicationGateway: {
    logs: [
      { category: "ApplicationGatewayFirewallLog" },
      { category: "ApplicationGatewayAccessLog" },
      { category: "ApplicationGatewayPerformanceLog" },
    ],
    metrics: ["AllMetrics"],
    dedicated: true,
  },
  logAnalyticsWorkspace: { logs: [{ categoryGroup: "audit" }], metrics: ["AllMetrics"], dedicated: false },
  aksCluster: {
    logs: [{ category: "kube-audit-admin" }, { category: "guard" }, { category: "kube-apiserver" }],
    metrics: ["AllMetrics"],
    dedicated: true,
  },
};

function expectProfile(setting: PlanStep, kind: DiagnosticKind, workspace: string) {
  const p = EXPECTED_PROFILES[kind];
  const i = setting.newState.inputs;
  expect(i.workspaceId).toBe(workspace);
  expect(i.logs).toEqual(p.logs.map((l) => ({ ...l, enabled: true })));
  expect(i.metrics).toEqual(p.metrics.map((category) => ({ category, enabled: true })));
  expect(i.logAnalyticsDestinationType).toBe(p.dedicated ? "Dedicated" : undefined);
}

describe.each(ENVIRONMENTS)("observability of the %s stack", (env) => {
  const higher = isHigher(env);

  it(`keeps logs for the matrix retention (${RETENTION[env]} days) in one PerGB2018 workspace`, async () => {
    const { index } = await planOk(env);
    const ws = index.one(WORKSPACE).newState.inputs;
    expect(ws.workspaceName).toBe(`log-engram-${env}`);
    expect(ws.retentionInDays).toBe(RETENTION[env]);
    expect(ws.sku).toEqual({ name: "PerGB2018" });
  });

  it(`${higher ? "disables" : "allows"} workspace and Application Insights local (shared-key) auth`, async () => {
    const { index } = await planOk(env);
    const ws = index.one(WORKSPACE).newState.inputs;
    expect((ws.features as Record<string, unknown>).disableLocalAuth).toBe(higher);
    expect(index.one(APP_INSIGHTS).newState.inputs.disableLocalAuth).toBe(higher);
    // Ingestion and query stay public on purpose (DESIGN.md §8: no Private Link Scope yet), explicitly.
    expect(ws.publicNetworkAccessForIngestion).toBe("Enabled");
    expect(ws.publicNetworkAccessForQuery).toBe("Enabled");
  });

  it("makes Application Insights workspace-based on this environment's workspace", async () => {
    const { index } = await planOk(env);
    const ai = index.one(APP_INSIGHTS).newState.inputs;
    expect(ai).toMatchObject({
      resourceName: `appi-engram-${env}`,
      kind: "web",
      applicationType: "web",
      ingestionMode: "LogAnalytics",
      workspaceResourceId: workspaceId(index),
    });
  });

  it(`${higher ? "protects and locks" : "does not protect"} the workspace`, async () => {
    const { index } = await planOk(env);
    expect(index.one(WORKSPACE).newState.protect).toBe(higher);
    const locks = index
      .ofType("azure-native:authorization:ManagementLockByScope")
      .filter((l) => l.newState.inputs.scope === workspaceId(index));
    expect(locks.map((l) => l.newState.inputs.level)).toEqual(higher ? ["CanNotDelete"] : []);
  });

  it("ships the workspace's own audit log (query audit) to itself", async () => {
    const { index } = await planOk(env);
    const ws = workspaceId(index);
    const own = settingsOn(index, ws);
    expect(own).toHaveLength(1);
    expectProfile(own[0], "logAnalyticsWorkspace", ws);
  });

  it("sends every diagnostic setting to this environment's workspace, and only there", async () => {
    const { index } = await planOk(env);
    const diags = index.ofType(DIAG);
    expect(diags.length).toBeGreaterThan(0);
    for (const d of diags) {
      expect(d.newState.inputs.workspaceId).toBe(workspaceId(index));
      expect(d.newState.inputs.workspaceId).toContain(`/workspaces/log-engram-${env}`);
      expect(d.newState.inputs.storageAccountId).toBeUndefined();
      expect(d.newState.inputs.eventHubAuthorizationRuleId).toBeUndefined();
    }
  });

  describe("diagnostic settings on every audited resource (SOP 000 Logging & Monitoring)", () => {
    const targets: [string, string, DiagnosticKind, (id: string) => string][] = [
      ["Key Vault", "azure-native:keyvault:Vault", "keyVault", (id) => id],
      [
        "Storage account (its blob service)",
        "azure-native:storage:StorageAccount",
        "blobService",
        (id) => `${id}/blobServices/default`,
      ],
      ["Postgres flexible server", "azure-native:dbforpostgresql:Server", "postgresServer", (id) => id],
      // The runtime: the Container Apps environment, or the AKS cluster where the stack runs on AKS.
      (stackConfig(env).values["engram:runtime"] ?? SETTINGS.runtime.defaults[env]) === "aks"
        ? ["AKS cluster", "azure-native:containerservice:ManagedCluster", "aksCluster", (id) => id]
        : [
            "Container Apps environment",
            "azure-native:app:ManagedEnvironment",
            "containerAppsEnvironment",
            (id) => id,
          ],
    ];
    it.each(targets)("every %s has one, with its categories", async (_what, type, kind, target) => {
      const { index } = await planOk(env);
      const resources = index.ofType(type);
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources) {
        const s = settingsOn(index, target(idOf(r)));
        expect(s.map((x) => index.logicalName(x))).toHaveLength(1);
        expectProfile(s[0], kind, workspaceId(index));
      }
    });

    it("every Application Gateway (WAF) has one with its firewall log", async () => {
      const { index } = await planOk(env);
      for (const g of index.ofType("azure-native:network:ApplicationGateway")) {
        const s = settingsOn(index, idOf(g));
        expect(s).toHaveLength(1);
        expectProfile(s[0], "applicationGateway", workspaceId(index));
      }
    });
  });

  it("grants the backend Monitoring Reader and backend + worker Monitoring Metrics Publisher on Application Insights, and nothing else here", async () => {
    const { index } = await planOk(env);
    const appi = idOf(index.one(APP_INSIGHTS));
    const roleId = (role: keyof typeof ROLE_GUIDS) =>
      `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/${ROLE_GUIDS[role]}`;
    const onAppi = index
      .ofType("azure-native:authorization:RoleAssignment")
      .filter((r) => r.newState.inputs.scope === appi)
      .map((r) => [
        r.newState.inputs.principalId,
        r.newState.inputs.roleDefinitionId,
        r.newState.inputs.principalType,
      ]);
    expect(onAppi.sort()).toEqual(
      [
        [principalIdOf(index, "backend"), roleId("Monitoring Reader"), "ServicePrincipal"],
        [principalIdOf(index, "backend"), roleId("Monitoring Metrics Publisher"), "ServicePrincipal"],
        [principalIdOf(index, "worker"), roleId("Monitoring Metrics Publisher"), "ServicePrincipal"],
      ].sort(),
    );
  });

  it("grants groups.security Log Analytics Reader on the workspace", async () => {
    const { index, config } = await planOk(env);
    const onWs = index
      .ofType("azure-native:authorization:RoleAssignment")
      .filter((r) => r.newState.inputs.scope === workspaceId(index));
    if (config.groups.security === undefined) {
      expect(onWs).toHaveLength(0);
      return;
    }
    expect(onWs.map((r) => r.newState.inputs)).toEqual([
      expect.objectContaining({
        principalId: config.groups.security,
        principalType: "Group",
        roleDefinitionId: `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/${ROLE_GUIDS["Log Analytics Reader"]}`,
      }),
    ]);
  });
});

// Log retention overrides (refused below the matrix, accepted above it): tests/alerts.test.ts, which
// plans variants anyway.

describe.each(["prod", "staging"] as const)("observability of the %s stack on AKS", (env) => {
  it("ships the cluster's control-plane logs (kube-audit-admin, guard, kube-apiserver) to resource-specific tables, once", async () => {
    const { index } = await planOk(env, AKS_CHANGE[env]);
    const clusters = index.ofType("azure-native:containerservice:ManagedCluster");
    expect(clusters).toHaveLength(1);
    const s = settingsOn(index, idOf(clusters[0]));
    expect(s).toHaveLength(1);
    expectProfile(s[0], "aksCluster", workspaceId(index));
    // No Container Apps environment and so no setting for one.
    expect(index.ofType("azure-native:app:ManagedEnvironment")).toHaveLength(0);
  });
});
