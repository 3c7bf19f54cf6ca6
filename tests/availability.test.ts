import { PlanIndex } from "../scripts/offline/plan-index";
import { availabilitySection } from "../scripts/offline/report/availability";
import { inputs, Json, T } from "./helpers/data";
import { Environment, ENVIRONMENTS, planOk, planRefused, PlanChange, report } from "./helpers/plan";
import { DEV_OPTIONS, UAT_OPTIONS } from "./helpers/variants";
import { AKS_CHANGE } from "./helpers/variants";

/**
 * The matrix row `availability` (issue 17; DESIGN.md §1, §7): staging and prod hold production data,
 * so there both Postgres servers run zone-redundant HA with geo-redundant backup, Storage is GZRS,
 * the Container Apps environment is zone-redundant (on AKS, prod: both node pools span zones 1-3),
 * public IPs are zone-redundant, the NAT gateway sits in one zone (it is zonal) and the Application
 * Gateway spans zones 1-3. Off (dev, test, uat by default) the request states HA and geo-redundant
 * backup off, ZRS, no zone redundancy, no zones.
 * Every value below is written out, per environment.
 */

const PIP = "azure-native:network:PublicIPAddress";
const NAT = "azure-native:network:NatGateway";
const ACA_ENV = "azure-native:app:ManagedEnvironment";
const AGW = "azure-native:network:ApplicationGateway";
const CLUSTER = "azure-native:containerservice:ManagedCluster";

/** What each resource's request carries. `zones: undefined` means the request names no zone. */
interface Expected {
  postgres: {
    /** logical names of the servers: one in dev/test, app + platform server where password auth is off */
    servers: string[];
    sku: { name: string; tier: string };
    availabilityZone: string;
    highAvailability: { mode: string; standbyAvailabilityZone: string };
    geoRedundantBackup: string;
  };
  storageSku: string;
  /**
   * The runtime's part: the Container Apps environment's zone redundancy, or on AKS each node pool's
   * zones (name -> zones; undefined: the pool names no zone).
   */
  runtime: { aca: { zoneRedundant: boolean } } | { aks: { poolZones: Record<string, string[] | undefined> } };
  egressIpZones: string[] | undefined;
  natZones: string[] | undefined;
  /** undefined: no Application Gateway in this environment */
  gatewayZones: string[] | undefined;
}

const OFF_POSTGRES = {
  availabilityZone: "",
  highAvailability: { mode: "Disabled", standbyAvailabilityZone: "" },
  geoRedundantBackup: "Disabled",
};
const ON_POSTGRES = {
  availabilityZone: "1",
  highAvailability: { mode: "ZoneRedundant", standbyAvailabilityZone: "2" },
  geoRedundantBackup: "Enabled",
};

const EXPECTED: Record<Environment, Expected> = {
  dev: {
    postgres: { servers: ["psql-psql"], sku: { name: "Standard_B1ms", tier: "Burstable" }, ...OFF_POSTGRES },
    storageSku: "Standard_ZRS",
    runtime: { aca: { zoneRedundant: false } },
    egressIpZones: undefined,
    natZones: undefined,
    gatewayZones: undefined,
  },
  test: {
    postgres: { servers: ["psql-psql"], sku: { name: "Standard_B1ms", tier: "Burstable" }, ...OFF_POSTGRES },
    storageSku: "Standard_ZRS",
    runtime: { aca: { zoneRedundant: false } },
    egressIpZones: undefined,
    natZones: undefined,
    gatewayZones: undefined,
  },
  uat: {
    postgres: {
      servers: ["psql-platform-psql", "psql-psql"],
      sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
      ...OFF_POSTGRES,
    },
    storageSku: "Standard_ZRS",
    runtime: { aca: { zoneRedundant: false } },
    egressIpZones: undefined,
    natZones: undefined,
    gatewayZones: undefined,
  },
  staging: {
    postgres: {
      servers: ["psql-platform-psql", "psql-psql"],
      sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
      ...ON_POSTGRES,
    },
    storageSku: "Standard_GZRS",
    runtime: { aca: { zoneRedundant: true } },
    egressIpZones: ["1", "2", "3"],
    natZones: ["1"],
    // the committed staging stack turns the WAF on
    gatewayZones: ["1", "2", "3"],
  },
  prod: {
    postgres: {
      servers: ["psql-platform-psql", "psql-psql"],
      sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
      ...ON_POSTGRES,
    },
    storageSku: "Standard_GZRS",
    // prod runs on AKS: the system and user pools both over zones 1-3
    runtime: { aks: { poolZones: { system: ["1", "2", "3"], user: ["1", "2", "3"] } } },
    egressIpZones: ["1", "2", "3"],
    natZones: ["1"],
    gatewayZones: ["1", "2", "3"],
  },
};

const DEFAULT_ON: Record<Environment, boolean> = {
  dev: false,
  test: false,
  uat: false,
  staging: true,
  prod: true,
};

function servers(index: PlanIndex): Record<string, Json> {
  return Object.fromEntries(index.ofType(T.server).map((s) => [index.logicalName(s), inputs(s)]));
}

/** Asserts every availability setting of a plan against one expectation. */
function expectAvailability(index: PlanIndex, e: Expected): void {
  const psql = servers(index);
  expect(Object.keys(psql).sort()).toEqual(e.postgres.servers);
  for (const [name, server] of Object.entries(psql)) {
    expect([name, server.sku]).toEqual([name, e.postgres.sku]);
    expect([name, server.availabilityZone]).toEqual([name, e.postgres.availabilityZone]);
    expect([name, server.highAvailability]).toEqual([name, e.postgres.highAvailability]);
    expect([name, server.backup.geoRedundantBackup]).toEqual([name, e.postgres.geoRedundantBackup]);
  }
  expect(inputs(index.one(T.account)).sku).toEqual({ name: e.storageSku });
  if ("aca" in e.runtime) {
    expect(inputs(index.one(ACA_ENV)).zoneRedundant).toBe(e.runtime.aca.zoneRedundant);
    expect(index.ofType(CLUSTER)).toEqual([]);
  } else {
    expect(index.ofType(ACA_ENV)).toEqual([]);
    const pools = (inputs(index.one(CLUSTER)).agentPoolProfiles as Json[]).map((p) => [
      p.name,
      p.availabilityZones,
    ]);
    expect(Object.fromEntries(pools)).toEqual(e.runtime.aks.poolZones);
    expect(pools).toHaveLength(Object.keys(e.runtime.aks.poolZones).length);
  }
  expect(inputs(index.one(PIP, "network-egress-pip")).zones).toEqual(e.egressIpZones);
  expect(inputs(index.one(NAT)).zones).toEqual(e.natZones);
  if (e.gatewayZones === undefined) {
    expect(index.ofType(AGW)).toEqual([]);
    expect(index.ofType(PIP).map((s) => index.logicalName(s))).toEqual(["network-egress-pip"]);
  } else {
    expect(inputs(index.one(AGW)).zones).toEqual(e.gatewayZones);
    expect(inputs(index.one(PIP, "waf-pip")).zones).toEqual(e.gatewayZones);
  }
}

describe.each(ENVIRONMENTS)("availability in %s (committed stack)", (env) => {
  it("is on by default in staging and prod, off in dev, test and uat", async () => {
    const { config } = await planOk(env);
    expect(config.decisions.availability).toEqual({ value: DEFAULT_ON[env], source: "default" });
  });

  it("requests exactly the matrix row's settings on every resource it switches", async () => {
    const { index } = await planOk(env);
    expectAvailability(index, EXPECTED[env]);
  });
});

describe("availability in staging rehearsing AKS", () => {
  it("puts both node pools over zones 1-3 instead of a zone-redundant Container Apps environment", async () => {
    const { index } = await planOk("staging", AKS_CHANGE.staging);
    expectAvailability(index, {
      ...EXPECTED.staging,
      runtime: { aks: { poolZones: { system: ["1", "2", "3"], user: ["1", "2", "3"] } } },
    });
  });
});

describe.each(["staging", "prod"] as const)("availability=false in %s", (env) => {
  it("is refused with its exact message", async () => {
    expect(await planRefused(env, { set: { "engram:availability": "false" } })).toEqual([
      `engram:availability=false is not allowed in ${env}: staging and prod hold production data, so they survive the loss of a zone and keep a backup in the paired region (DESIGN.md §1, §7)`,
    ]);
  });
});

describe("availability=true as an override below staging", () => {
  const ON: PlanChange = { set: { "engram:availability": "true" } };

  it("turns every setting on in uat (no WAF there, so no gateway)", async () => {
    // uat's shared variant of optional settings (availability=true among them).
    expect(UAT_OPTIONS.set["engram:availability"]).toBe(ON.set?.["engram:availability"]);
    const { index, config } = await planOk("uat", UAT_OPTIONS);
    expect(config.decisions.availability).toEqual({ value: true, source: "override" });
    expectAvailability(index, {
      postgres: {
        servers: ["psql-platform-psql", "psql-psql"],
        sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
        ...ON_POSTGRES,
      },
      storageSku: "Standard_GZRS",
      runtime: { aca: { zoneRedundant: true } },
      egressIpZones: ["1", "2", "3"],
      natZones: ["1"],
      gatewayZones: undefined,
    });
  });

  it("in dev moves Postgres off Burstable (which has no high availability) to General Purpose", async () => {
    // dev's shared variant of higher-tier settings (availability=true among them).
    expect(DEV_OPTIONS.set["engram:availability"]).toBe(ON.set?.["engram:availability"]);
    const { index } = await planOk("dev", DEV_OPTIONS);
    expectAvailability(index, {
      postgres: {
        servers: ["psql-psql"],
        sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
        ...ON_POSTGRES,
      },
      storageSku: "Standard_GZRS",
      runtime: { aca: { zoneRedundant: true } },
      egressIpZones: ["1", "2", "3"],
      natZones: ["1"],
      gatewayZones: undefined,
    });
  });
});

/** The report's Availability section, line by line. */
function availabilityLines(md: string): string[] {
  const start = md.indexOf("## Availability");
  return md
    .slice(start, md.indexOf("\n## ", start + 1))
    .trim()
    .split("\n");
}

describe("the plan report's Availability section", () => {
  it("lists each setting per resource in staging", async () => {
    expect(availabilityLines(await report("staging"))).toEqual([
      "## Availability",
      "",
      "Matrix row `engram:availability`: true (default). What each request asks for:",
      "",
      "| resource | type | setting | value |",
      "|---|---|---|---|",
      "| psql-engram-staging-452500 | `azure-native:dbforpostgresql:Server` | high availability | ZoneRedundant |",
      "| psql-engram-staging-452500 | `azure-native:dbforpostgresql:Server` | zone (primary) | 1 |",
      "| psql-engram-staging-452500 | `azure-native:dbforpostgresql:Server` | zone (standby) | 2 |",
      "| psql-engram-staging-452500 | `azure-native:dbforpostgresql:Server` | geo-redundant backup | Enabled |",
      "| psql-engram-staging-platform-452500 | `azure-native:dbforpostgresql:Server` | high availability | ZoneRedundant |",
      "| psql-engram-staging-platform-452500 | `azure-native:dbforpostgresql:Server` | zone (primary) | 1 |",
      "| psql-engram-staging-platform-452500 | `azure-native:dbforpostgresql:Server` | zone (standby) | 2 |",
      "| psql-engram-staging-platform-452500 | `azure-native:dbforpostgresql:Server` | geo-redundant backup | Enabled |",
      "| stengramstaging452500 | `azure-native:storage:StorageAccount` | replication (SKU) | Standard_GZRS |",
      "| cae-engram-staging | `azure-native:app:ManagedEnvironment` | zone redundant | true |",
      "| pip-engram-staging-agw | `azure-native:network:PublicIPAddress` | zones | 1, 2, 3 |",
      "| pip-engram-staging-egress | `azure-native:network:PublicIPAddress` | zones | 1, 2, 3 |",
      "| ng-engram-staging | `azure-native:network:NatGateway` | zones | 1 |",
      "| agw-engram-staging | `azure-native:network:ApplicationGateway` | zones | 1, 2, 3 |",
    ]);
  });

  it("lists each AKS node pool's zones in prod, and no Container Apps environment", async () => {
    expect(availabilityLines(await report("prod"))).toEqual([
      "## Availability",
      "",
      "Matrix row `engram:availability`: true (default). What each request asks for:",
      "",
      "| resource | type | setting | value |",
      "|---|---|---|---|",
      "| psql-engram-prod-506f53 | `azure-native:dbforpostgresql:Server` | high availability | ZoneRedundant |",
      "| psql-engram-prod-506f53 | `azure-native:dbforpostgresql:Server` | zone (primary) | 1 |",
      "| psql-engram-prod-506f53 | `azure-native:dbforpostgresql:Server` | zone (standby) | 2 |",
      "| psql-engram-prod-506f53 | `azure-native:dbforpostgresql:Server` | geo-redundant backup | Enabled |",
      "| psql-engram-prod-platform-506f53 | `azure-native:dbforpostgresql:Server` | high availability | ZoneRedundant |",
      "| psql-engram-prod-platform-506f53 | `azure-native:dbforpostgresql:Server` | zone (primary) | 1 |",
      "| psql-engram-prod-platform-506f53 | `azure-native:dbforpostgresql:Server` | zone (standby) | 2 |",
      "| psql-engram-prod-platform-506f53 | `azure-native:dbforpostgresql:Server` | geo-redundant backup | Enabled |",
      "| stengramprod506f53 | `azure-native:storage:StorageAccount` | replication (SKU) | Standard_GZRS |",
      "| aks-engram-prod | `azure-native:containerservice:ManagedCluster` | zones (node pool system) | 1, 2, 3 |",
      "| aks-engram-prod | `azure-native:containerservice:ManagedCluster` | zones (node pool user) | 1, 2, 3 |",
      "| pip-engram-prod-agw | `azure-native:network:PublicIPAddress` | zones | 1, 2, 3 |",
      "| pip-engram-prod-egress | `azure-native:network:PublicIPAddress` | zones | 1, 2, 3 |",
      "| ng-engram-prod | `azure-native:network:NatGateway` | zones | 1 |",
      "| agw-engram-prod | `azure-native:network:ApplicationGateway` | zones | 1, 2, 3 |",
    ]);
  });

  it("reads the node pools' zones from the plan: a pool without zones shows none", async () => {
    const r = await planOk("prod");
    const plan = JSON.parse(JSON.stringify(r.plan)) as typeof r.plan;
    const index = new PlanIndex(plan);
    const pools = inputs(index.one(CLUSTER)).agentPoolProfiles as Json[];
    delete pools[1].availabilityZones;
    const md = availabilitySection({ result: r, index }) ?? "";
    expect(md.split("\n").filter((l) => l.includes(CLUSTER))).toEqual([
      "| aks-engram-prod | `azure-native:containerservice:ManagedCluster` | zones (node pool system) | 1, 2, 3 |",
      "| aks-engram-prod | `azure-native:containerservice:ManagedCluster` | zones (node pool user) | none (no zone requested) |",
    ]);
  });

  it("shows the explicit off values in uat", async () => {
    const md = await report("uat");
    expect(md).toContain(
      [
        "Matrix row `engram:availability`: false (default). What each request asks for:",
        "",
        "| resource | type | setting | value |",
        "|---|---|---|---|",
        "| psql-engram-uat-12d109 | `azure-native:dbforpostgresql:Server` | high availability | Disabled |",
        "| psql-engram-uat-12d109 | `azure-native:dbforpostgresql:Server` | zone (primary) | not set |",
        "| psql-engram-uat-12d109 | `azure-native:dbforpostgresql:Server` | zone (standby) | not set |",
        "| psql-engram-uat-12d109 | `azure-native:dbforpostgresql:Server` | geo-redundant backup | Disabled |",
      ].join("\n"),
    );
    expect(md).toContain(
      [
        "| stengramuat12d109 | `azure-native:storage:StorageAccount` | replication (SKU) | Standard_ZRS |",
        "| cae-engram-uat | `azure-native:app:ManagedEnvironment` | zone redundant | false |",
        "| pip-engram-uat-egress | `azure-native:network:PublicIPAddress` | zones | none (no zone requested) |",
        "| ng-engram-uat | `azure-native:network:NatGateway` | zones | none (no zone requested) |",
      ].join("\n"),
    );
  });
});
