import { PlanIndex } from "../scripts/offline/plan-index";
import { isHigher } from "../src/matrix";
import { idOf, inputs, principalIdOf, T } from "./helpers/data";
import { ENVIRONMENTS, planOk, stackConfig } from "./helpers/plan";

/**
 * Postgres of DESIGN.md §7 (SOP 000: password auth disabled in prod, no public DB; SOP 002 DB
 * roles): servers, authentication, Entra administrator, TLS, network, databases, role SQL.
 */

const server = (index: PlanIndex, key: "psql" | "psql-platform") => index.one(T.server, `${key}-psql`);
const childrenOf = (index: PlanIndex, type: string, serverName: string) =>
  index.ofType(type).filter((s) => inputs(s).serverName === serverName);

describe.each(ENVIRONMENTS)("Postgres in %s", (env) => {
  const higher = isHigher(env);
  const groups = () => JSON.parse(stackConfig(env).values["engram:groups"]) as Record<string, string>;

  it(
    higher
      ? "has an Entra-only application server and a separate platform server"
      : "has one server with both",
    async () => {
      const { index } = await planOk(env);
      const names = index
        .ofType(T.server)
        .map((s) => index.logicalName(s))
        .sort();
      expect(names).toEqual(higher ? ["psql-platform-psql", "psql-psql"] : ["psql-psql"]);
      const app = inputs(server(index, "psql"));
      expect(app.authConfig.passwordAuth).toBe(higher ? "Disabled" : "Enabled");
      if (higher) {
        expect(app.administratorLogin).toBeUndefined();
        expect(app.administratorLoginPassword).toBeUndefined();
      }
    },
  );

  it("every server is version 16 with Entra auth on, TLS enforced and an Entra administrator = groups.dba", async () => {
    const { index } = await planOk(env);
    for (const s of index.ofType(T.server)) {
      const i = inputs(s);
      expect(i.version).toBe("16");
      expect(i.authConfig.activeDirectoryAuth).toBe("Enabled");
      expect(i.authConfig.tenantId).toBe("11111111-1111-1111-1111-111111111111");
      const admins = childrenOf(index, T.admin, i.serverName).map(inputs);
      expect(admins).toEqual([
        expect.objectContaining({
          objectId: groups().dba,
          principalType: "Group",
          principalName: `engram-${env}-dba`,
        }),
      ]);
      const tls = childrenOf(index, T.configuration, i.serverName)
        .map(inputs)
        .find((c) => c.configurationName === "require_secure_transport");
      expect(tls?.value).toBe("ON");
    }
  });

  it("the password server uses the rotated postgres-password secret, never a plain value", async () => {
    const { index } = await planOk(env);
    const pw = server(index, higher ? "psql-platform" : "psql");
    expect(inputs(pw).authConfig.passwordAuth).toBe("Enabled");
    expect(inputs(pw).administratorLoginPassword).toBe("[secret]");
    expect(pw.newState.dependencies).toContain(index.one(T.password, "secret-postgres-password-value").urn);
  });

  it(
    higher
      ? "every server has public access disabled, no firewall rule and a private endpoint with DNS"
      : "the server is public with firewall rules for the allowlist and the NAT egress IP only",
    async () => {
      const { index } = await planOk(env);
      for (const s of index.ofType(T.server)) {
        const i = inputs(s);
        const rules = childrenOf(index, T.firewall, i.serverName).map(inputs);
        if (higher) {
          expect(i.network.publicNetworkAccess).toBe("Disabled");
          expect(rules).toEqual([]);
          const pe = index
            .ofType(T.endpoint)
            .filter((e) =>
              inputs(e).privateLinkServiceConnections.some(
                (c: { privateLinkServiceId: string; groupIds: string[] }) =>
                  c.privateLinkServiceId === idOf(s) && c.groupIds[0] === "postgresqlServer",
              ),
            );
          expect(pe.length).toBe(1);
          const zg = index
            .ofType(T.zoneGroup)
            .filter((z) => inputs(z).privateEndpointName === inputs(pe[0]).privateEndpointName);
          expect(zg.length).toBe(1);
          expect(inputs(zg[0]).privateDnsZoneConfigs[0].privateDnsZoneId).toMatch(
            /privatelink\.postgres\.database\.azure\.com$/,
          );
        } else {
          const allowlist = JSON.parse(stackConfig(env).values["engram:adminIpAllowlist"]) as string[];
          expect(i.network.publicNetworkAccess).toBe("Enabled");
          expect(rules.length).toBe(allowlist.length + 1);
          for (const r of rules) {
            expect(r.startIpAddress).not.toBe("0.0.0.0");
            expect(r.endIpAddress).not.toBe("255.255.255.255");
          }
          const egress = index.stackOutputs.egressIp as string;
          expect(rules.map((r) => [r.startIpAddress, r.endIpAddress])).toEqual([
            [egress, egress],
            ["203.0.113.0", "203.0.113.255"],
          ]);
        }
      }
    },
  );

  it("creates engram, zep, temporal and temporal_visibility on the right servers", async () => {
    const { index } = await planOk(env);
    const dbs = (key: "psql" | "psql-platform") =>
      childrenOf(index, T.database, inputs(server(index, key)).serverName)
        .map((d) => inputs(d).databaseName as string)
        .sort();
    if (higher) {
      expect(dbs("psql")).toEqual(["engram"]);
      expect(dbs("psql-platform")).toEqual(["temporal", "temporal_visibility", "zep"]);
    } else expect(dbs("psql")).toEqual(["engram", "temporal", "temporal_visibility", "zep"]);
  });

  it(`every server is ${higher ? "" : "not "}protected and locked`, async () => {
    const { index } = await planOk(env);
    for (const s of index.ofType(T.server)) {
      expect(s.newState.protect).toBe(higher);
      const locks = index.ofType(T.lock).filter((l) => inputs(l).scope === idOf(s));
      expect(locks.map((l) => inputs(l).level)).toEqual(higher ? ["CanNotDelete"] : []);
    }
  });

  it("renders idempotent role SQL for the DBA: app_rw for backend and worker, analytics_ro for groups.data, admin for groups.dba", async () => {
    const { index } = await planOk(env);
    const sql = index.stackOutputs.postgresRoleSql as string;
    expect(typeof sql).toBe("string");
    for (const role of ["app_rw", "analytics_ro", "admin"])
      expect(sql).toContain(
        `IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN\n    CREATE ROLE "${role}" NOLOGIN;`,
      );
    for (const s of ["backend", "worker"]) {
      expect(sql).toContain(
        `pgaadauth_create_principal_with_oid('id-engram-${env}-${s}', '${principalIdOf(index, s)}', 'service', false, false)`,
      );
      expect(sql).toContain(`GRANT app_rw TO "id-engram-${env}-${s}";`);
    }
    expect(sql).toContain(
      `pgaadauth_create_principal_with_oid('engram-${env}-data', '${groups().data}', 'group', false, false)`,
    );
    expect(sql).toContain(`GRANT analytics_ro TO "engram-${env}-data";`);
    expect(sql).toContain(`GRANT admin TO "engram-${env}-dba";`);
    expect(sql).not.toMatch(/password/i);
    expect(sql).not.toContain("[secret]");
  });
});

describe("prod application server", () => {
  it("has password authentication disabled (SOP 000 validation: password auth disabled in prod)", async () => {
    const { index } = await planOk("prod");
    const app = inputs(index.one(T.server, "psql-psql"));
    expect(app.serverName).toMatch(/^psql-engram-prod-[a-z0-9]+$/);
    expect(app.authConfig).toEqual({
      activeDirectoryAuth: "Enabled",
      passwordAuth: "Disabled",
      tenantId: "11111111-1111-1111-1111-111111111111",
    });
  });
});
