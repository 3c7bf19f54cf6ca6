import { PlanIndex } from "../scripts/offline/plan-index";
import { placeholderResource } from "../scripts/offline/placeholders";
import { isHigher } from "../src/matrix";
import { INCIDENT_RESPONSE } from "../src/observability/alerts";
import * as queries from "../src/observability/queries";
import { byCodePoint } from "../lib/text";
import { idOf, Json } from "./helpers/data";
import { ENVIRONMENTS, planOk, planRefused } from "./helpers/plan";
import {
  AKS_CHANGE,
  CUSTOM_THRESHOLDS,
  fedSecretsVariant,
  PROD_OPTIONS,
  UAT_OPTIONS,
} from "./helpers/variants";

const SQR = "azure-native:monitor:ScheduledQueryRule";
const ACTIVITY = "azure-native:monitor:ActivityLogAlert";
const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";
/** The log alerts SOP 000/003 require whenever alerts are on, written out (the sign-in alert is optional). */
const REQUIRED = ["api-auth-failures", "kv-secret-reads", "kv-access-denied", "missing-secret-exits"];
const DEFAULTS = { authFailures: 50, secretReads: 100, accessDenied: 1, missingSecretExits: 1 };

/**
 * Prod's shared variant with the sign-in alert and 400 days of logs (and other independent options,
 * every secret fed among them): one variant for the tests of each (the sign-in alert rule, the
 * workspace's retention).
 */
const PROD_OPTIONAL = PROD_OPTIONS;

const actionGroupId = (env: string) =>
  `${SUB}/resourceGroups/rg-engram-${env}/providers/Microsoft.Insights/actionGroups/ag-engram-${env}`;
const workspaceId = (env: string) =>
  `${SUB}/resourceGroups/rg-engram-${env}/providers/Microsoft.OperationalInsights/workspaces/log-engram-${env}`;

function rule(index: PlanIndex, _env: string, key: string): Record<string, unknown> {
  return index.one(SQR, `security-alerts-${key}`).newState.inputs;
}
const condition = (r: Record<string, unknown>) =>
  ((r.criteria as Record<string, unknown>).allOf as Record<string, unknown>[])[0];

/** The tables a query reads: lines that hold only a table name (optionally opened with `(`). */
function tablesRead(query: string): string[] {
  return [...query.matchAll(/^\s*\(?([A-Z][A-Za-z0-9_]+)\s*$/gm)].map((m) => m[1]).sort();
}

describe.each(ENVIRONMENTS.filter(isHigher))("security alerts in %s (required)", (env) => {
  it("has the four log alerts and the role-assignment alert, all enabled and notifying the action group", async () => {
    const { index } = await planOk(env);
    const names = index.ofType(SQR).map((s) => s.newState.inputs.ruleName);
    expect(names.sort()).toEqual(REQUIRED.map((k) => `alert-engram-${env}-${k}`).sort());
    for (const s of index.ofType(SQR)) {
      const i = s.newState.inputs;
      expect(i.enabled).toBe(true);
      expect(i.kind).toBe("LogAlert");
      expect(i.scopes).toEqual([workspaceId(env)]);
      expect(i.actions).toEqual({ actionGroups: [actionGroupId(env)] });
      expect(i.description).toContain(INCIDENT_RESPONSE);
    }
    const activity = index.one(ACTIVITY).newState.inputs;
    expect(activity.enabled).toBe(true);
    expect(activity.actions).toEqual({ actionGroups: [{ actionGroupId: actionGroupId(env) }] });
    expect(activity.description).toContain("Contain");
  });

  it("alerts on role assignment writes and deletes in the environment's resource group", async () => {
    const { index } = await planOk(env);
    const a = index.one(ACTIVITY).newState.inputs;
    expect(a.activityLogAlertName).toBe(`alert-engram-${env}-role-assignment-changes`);
    expect(a.scopes).toEqual([`${SUB}/resourceGroups/rg-engram-${env}`]);
    expect(a.condition).toEqual({
      allOf: [
        { field: "category", equals: "Administrative" },
        {
          anyOf: [
            { field: "operationName", equals: "Microsoft.Authorization/roleAssignments/write" },
            { field: "operationName", equals: "Microsoft.Authorization/roleAssignments/delete" },
          ],
        },
        { field: "status", equals: "Succeeded" },
      ],
    });
  });

  it("uses the default thresholds from config with severities and windows", async () => {
    const { index, config } = await planOk(env);
    // Per app: the container app's name on Container Apps, the pod's app on AKS.
    const perApp = config.decisions.runtime.value === "aks" ? "App" : "ContainerAppName";
    const expected: [string, number, number, string, string, string[]][] = [
      ["api-auth-failures", DEFAULTS.authFailures, 2, "PT5M", "Failures", []],
      ["kv-secret-reads", DEFAULTS.secretReads, 2, "PT15M", "Reads", ["Caller"]],
      ["kv-access-denied", DEFAULTS.accessDenied, 1, "PT15M", "Denied", ["Caller"]],
      ["missing-secret-exits", DEFAULTS.missingSecretExits, 1, "PT15M", "Exits", [perApp]],
    ];
    for (const [key, threshold, severity, window, measure, dims] of expected) {
      const r = rule(index, env, key);
      expect(r.severity).toBe(severity);
      expect(r.windowSize).toBe(window);
      expect(condition(r)).toMatchObject({
        threshold,
        operator: "GreaterThanOrEqual",
        timeAggregation: "Total",
        metricMeasureColumn: measure,
      });
      expect((condition(r).dimensions as { name: string }[]).map((d) => d.name)).toEqual(dims);
    }
  });

  it("binds the queries to this environment's apps", async () => {
    const { index, config } = await planOk(env);
    // On AKS (prod's default once it moves) the AKS test below checks the binding.
    if (config.decisions.runtime.value === "aks") return;
    expect(condition(rule(index, env, "api-auth-failures")).query).toMatch(
      new RegExp(`^let backendApp = "ca-engram-${env}-backend";\n`),
    );
    expect(condition(rule(index, env, "missing-secret-exits")).query).toMatch(
      new RegExp(`^let appPrefix = "ca-engram-${env}-";\n`),
    );
  });

  it("does not add the Entra sign-in alert unless asked (it needs the tenant's sign-in logs)", async () => {
    const { index } = await planOk(env);
    expect(index.ofType(SQR).filter((s) => index.logicalName(s).includes("signin"))).toHaveLength(0);
  });
});

describe("alert thresholds and switches", () => {
  it("puts custom thresholds from engram:alertThresholds into the rules", async () => {
    // uat's shared variant of optional settings (these thresholds among them).
    expect(CUSTOM_THRESHOLDS).toEqual({
      authFailures: 7,
      secretReads: 33,
      accessDenied: 2,
      missingSecretExits: 3,
    });
    const { index } = await planOk("uat", UAT_OPTIONS);
    expect(condition(rule(index, "uat", "api-auth-failures")).threshold).toBe(7);
    expect(condition(rule(index, "uat", "kv-secret-reads")).threshold).toBe(33);
    expect(condition(rule(index, "uat", "kv-access-denied")).threshold).toBe(2);
    expect(condition(rule(index, "uat", "missing-secret-exits")).threshold).toBe(3);
  });

  it("refuses engram:alerts=false in prod", async () => {
    const problems = await planRefused("prod", { set: { "engram:alerts": "false" } });
    expect(problems).toEqual([
      "engram:alerts=false is not allowed in prod: security alerts are required in uat, staging and prod (SOP 000 Logging & Monitoring)",
    ]);
  });

  it.each(["dev", "test"])("has no alerts in %s by default", async (env) => {
    const { index } = await planOk(env);
    expect(index.ofType(SQR)).toHaveLength(0);
    expect(index.ofType(ACTIVITY)).toHaveLength(0);
  });

  it.each(["dev", "test"] as const)(
    "has the same Key Vault expiry alerts in %s with engram:alerts=true, to this environment's action group",
    async (env) => {
      // The fed-secrets variant of dev and test turns the alerts on (tests/helpers/variants.ts).
      const { index, config } = await planOk(env, fedSecretsVariant(env));
      expect(config.decisions.alerts).toEqual({ value: true, source: "override" });
      const actionGroup = idOf(index.one("azure-native:monitor:ActionGroup"));
      const subs = index
        .ofType("azure-native:eventgrid:SystemTopicEventSubscription")
        .sort((x, y) => byCodePoint(x.urn, y.urn));
      expect(subs.map((s) => (s.newState.inputs as Json).destination.actionGroups)).toEqual([
        [actionGroup],
        [actionGroup],
      ]);
      expect(index.one("azure-native:eventgrid:SystemTopic").newState.inputs.source).toBe(
        idOf(index.one("azure-native:keyvault:Vault")),
      );
    },
  );

  it("has the same alerts in dev with engram:alerts=true", async () => {
    const { index } = await planOk("dev", fedSecretsVariant("dev"));
    expect(index.ofType(SQR).map((s) => s.newState.inputs.ruleName)).toHaveLength(REQUIRED.length);
    expect(index.one(ACTIVITY).newState.inputs.actions).toEqual({
      actionGroups: [{ actionGroupId: actionGroupId("dev") }],
    });
  });

  it("adds the Entra sign-in alert for the API app with engram:signInAlerts=true", async () => {
    const { index } = await planOk("prod", PROD_OPTIONAL);
    const r = rule(index, "prod", "api-signin-failures");
    const api = index.one("azuread:index/application:Application", "entra-api-app");
    const apiClientId = placeholderResource(api.newState.type, "entra-api-app", api.urn, api.newState.inputs)
      .state.clientId as string;
    expect(condition(r).query).toMatch(new RegExp(`^let apiAppId = "${apiClientId}";\nSigninLogs\n`));
    expect(condition(r).threshold).toBe(DEFAULTS.authFailures);
    expect(r.actions).toEqual({ actionGroups: [actionGroupId("prod")] });
  });
});

describe("the action group", () => {
  it.each(ENVIRONMENTS)(
    "in %s e-mails every engram:alertEmails address with the common alert schema",
    async (env) => {
      const { index, config } = await planOk(env);
      const ag = index.one("azure-native:monitor:ActionGroup").newState.inputs;
      expect(ag).toMatchObject({ actionGroupName: `ag-engram-${env}`, enabled: true, location: "Global" });
      const receivers = ag.emailReceivers as { emailAddress: string; useCommonAlertSchema: boolean }[];
      expect(receivers.map((r) => r.emailAddress).sort()).toEqual([...config.alertEmails].sort());
      expect(receivers.every((r) => r.useCommonAlertSchema)).toBe(true);
      if (isHigher(env)) expect(receivers.length).toBeGreaterThan(0);
    },
  );
});

describe("queries read the tables the diagnostic settings fill", () => {
  /** Tables filled outside diagnostic settings: workspace-based App Insights, the tenant's sign-in export. */
  const EXTERNAL = new Set(["AppRequests", "SigninLogs"]);
  /** The tables each alert query reads, written out (independent of the QUERY_TABLES declarations). */
  const READS: Record<string, string[]> = {
    API_AUTH_FAILURES: ["AppRequests", "ContainerAppConsoleLogs"],
    KEY_VAULT_SECRET_READS: ["AZKVAuditLogs"],
    KEY_VAULT_ACCESS_DENIED: ["AZKVAuditLogs"],
    MISSING_SECRET_EXITS: ["ContainerAppConsoleLogs", "ContainerAppSystemLogs"],
    API_SIGN_IN_FAILURES: ["SigninLogs"],
    API_AUTH_FAILURES_AKS: ["AppRequests", "ContainerLogV2"],
    MISSING_SECRET_EXITS_AKS: ["ContainerLogV2", "KubeEvents"],
  };
  /** The queries a stack runs on each runtime (the AKS forms replace their ACA ones). */
  const ON_ACA = Object.keys(READS).filter((q) => !q.endsWith("_AKS"));

  it("every query is listed here, and declares the tables it reads as written here", () => {
    expect(Object.keys(queries.QUERY_TABLES).sort()).toEqual(Object.keys(READS).sort());
    for (const [name, tables] of Object.entries(queries.QUERY_TABLES))
      expect({ name, tables: [...tables].sort() }).toEqual({ name, tables: READS[name] });
  });

  it.each(Object.entries(READS))("%s reads exactly those tables", (name, tables) => {
    const query = (queries as unknown as Record<string, string>)[name];
    expect(tablesRead(query)).toEqual(tables);
  });

  /**
   * The table each shipped log category fills, written out from Azure's documentation (independent
   * of components/diagnostic-setting.ts): `dedicated` with resource-specific destination tables,
   * `shared` otherwise.
   */
  const TABLE_OF: Record<string, { dedicated: string; shared: string }> = {
    "Microsoft.KeyVault/vaults audit": { dedicated: "AZKVAuditLogs", shared: "AzureDiagnostics" },
    "blobServices StorageRead": { dedicated: "StorageBlobLogs", shared: "StorageBlobLogs" },
    "blobServices StorageWrite": { dedicated: "StorageBlobLogs", shared: "StorageBlobLogs" },
    "blobServices StorageDelete": { dedicated: "StorageBlobLogs", shared: "StorageBlobLogs" },
    "Microsoft.DBforPostgreSQL/flexibleServers PostgreSQLLogs": {
      dedicated: "AzureDiagnostics",
      shared: "AzureDiagnostics",
    },
    "Microsoft.DBforPostgreSQL/flexibleServers PostgreSQLFlexSessions": {
      dedicated: "AzureDiagnostics",
      shared: "AzureDiagnostics",
    },
    "Microsoft.App/managedEnvironments ContainerAppConsoleLogs": {
      dedicated: "ContainerAppConsoleLogs",
      shared: "AzureDiagnostics",
    },
    "Microsoft.App/managedEnvironments ContainerAppSystemLogs": {
      dedicated: "ContainerAppSystemLogs",
      shared: "AzureDiagnostics",
    },
    "Microsoft.Network/applicationGateways ApplicationGatewayFirewallLog": {
      dedicated: "AGWFirewallLogs",
      shared: "AzureDiagnostics",
    },
    "Microsoft.Network/applicationGateways ApplicationGatewayAccessLog": {
      dedicated: "AGWAccessLogs",
      shared: "AzureDiagnostics",
    },
    "Microsoft.Network/applicationGateways ApplicationGatewayPerformanceLog": {
      dedicated: "AGWPerformanceLogs",
      shared: "AzureDiagnostics",
    },
    "Microsoft.OperationalInsights/workspaces audit": { dedicated: "LAQueryLogs", shared: "LAQueryLogs" },
    "Microsoft.ContainerService/managedClusters kube-audit-admin": {
      dedicated: "AKSAuditAdmin",
      shared: "AzureDiagnostics",
    },
    "Microsoft.ContainerService/managedClusters guard": {
      dedicated: "AKSControlPlane",
      shared: "AzureDiagnostics",
    },
    "Microsoft.ContainerService/managedClusters kube-apiserver": {
      dedicated: "AKSControlPlane",
      shared: "AzureDiagnostics",
    },
  };
  /** The table each Container Insights stream fills (a data collection rule's stream, not a category). */
  const TABLE_OF_STREAM: Record<string, string> = {
    "Microsoft-ContainerLogV2": "ContainerLogV2",
    "Microsoft-KubeEvents": "KubeEvents",
    "Microsoft-KubePodInventory": "KubePodInventory",
    "Microsoft-KubeNodeInventory": "KubeNodeInventory",
  };

  /** The tables the plan's diagnostic settings and data collection rules (to its workspace) fill. */
  function tablesFilled(index: PlanIndex): Set<string> {
    const produced = new Set<string>();
    for (const d of index.ofType("azure-native:monitor:DiagnosticSetting")) {
      const i = d.newState.inputs as {
        resourceUri: string;
        logAnalyticsDestinationType?: string;
        logs: { category?: string; categoryGroup?: string; enabled: boolean }[];
      };
      const source = i.resourceUri.endsWith("/blobServices/default")
        ? "blobServices"
        : (/\/providers\/([^/]+\/[^/]+)\/[^/]+$/.exec(i.resourceUri)?.[1] ?? i.resourceUri);
      for (const log of i.logs.filter((l) => l.enabled)) {
        const key = `${source} ${log.category ?? log.categoryGroup}`;
        const table = TABLE_OF[key];
        expect(table ? key : `${key} (no table known)`).toBe(key);
        produced.add(i.logAnalyticsDestinationType === "Dedicated" ? table.dedicated : table.shared);
      }
    }
    for (const r of index.ofType("azure-native:monitor:DataCollectionRule")) {
      const i = r.newState.inputs as {
        destinations: { logAnalytics: { name: string; workspaceResourceId: string }[] };
        dataFlows: { streams: string[]; destinations: string[] }[];
      };
      const toWorkspace = new Set(i.destinations.logAnalytics.map((d) => d.name));
      for (const flow of i.dataFlows.filter((f) => f.destinations.some((d) => toWorkspace.has(d))))
        for (const stream of flow.streams) {
          expect(TABLE_OF_STREAM[stream] ? stream : `${stream} (no table known)`).toBe(stream);
          produced.add(TABLE_OF_STREAM[stream]);
        }
    }
    return produced;
  }

  it("in the prod plan, every table an enabled log alert reads is filled by a category a diagnostic setting of the plan ships", async () => {
    const { index } = await planOk("prod", PROD_OPTIONAL);
    const produced = tablesFilled(index);
    // Every ACA query of READS is an enabled rule here (the four required and the sign-in alert).
    expect(index.ofType(SQR)).toHaveLength(ON_ACA.length);
    for (const s of index.ofType(SQR)) {
      for (const t of tablesRead(String(condition(s.newState.inputs).query)))
        expect(produced.has(t) || EXTERNAL.has(t) ? t : `${t} (not filled)`).toBe(t);
    }
  });

  it.each(["prod", "staging"] as const)(
    "on AKS (%s), the alerts read the cluster's tables (ContainerLogV2, KubeEvents), never Container Apps', and each is filled",
    async (env) => {
      const { index } = await planOk(env, AKS_CHANGE[env]);
      const produced = tablesFilled(index);
      const read = new Set<string>();
      expect(index.ofType(SQR)).toHaveLength(REQUIRED.length);
      for (const s of index.ofType(SQR))
        for (const t of tablesRead(String(condition(s.newState.inputs).query))) {
          read.add(t);
          expect(produced.has(t) || EXTERNAL.has(t) ? t : `${t} (not filled)`).toBe(t);
        }
      expect([...read].sort()).toEqual(["AZKVAuditLogs", "AppRequests", "ContainerLogV2", "KubeEvents"]);
      expect(condition(rule(index, env, "api-auth-failures")).query).toMatch(
        /^let backendApp = "backend";\nlet namespace = "engram";\n/,
      );
      expect(condition(rule(index, env, "missing-secret-exits")).query).toMatch(
        /^let namespace = "engram";\n/,
      );
      expect(
        (condition(rule(index, env, "missing-secret-exits")).dimensions as { name: string }[]).map(
          (d) => d.name,
        ),
      ).toEqual(["App"]);
    },
  );
});

describe("log retention overrides", () => {
  it("refuses engram:logRetentionDays=200 in prod", async () => {
    const problems = await planRefused("prod", { set: { "engram:logRetentionDays": "200" } });
    expect(problems).toEqual([
      "engram:logRetentionDays=200 is not allowed in prod: log retention is never below the matrix (30 days in dev/test, 90 in uat/staging, 365 in prod) nor above 730 (SOP 000 Audit & Logging)",
    ]);
  });

  it("accepts engram:logRetentionDays=400 in prod and keeps logs 400 days", async () => {
    const { index } = await planOk("prod", PROD_OPTIONAL);
    expect(index.one("azure-native:operationalinsights:Workspace").newState.inputs.retentionInDays).toBe(400);
  });
});
