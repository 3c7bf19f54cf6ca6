/**
 * The idempotent SQL that creates the database roles of SOP 002 (app_rw, analytics_ro, admin) and
 * maps Entra principals to them on the application server (DESIGN.md §7). The servers are private,
 * so the pipeline cannot run it; the program renders it as a (non-secret) stack output for the
 * DBA, who runs it with psql as the Entra administrator (groups.dba). It holds object ids and role
 * names only, never a credential.
 *
 * Entra principals are created with `pgaadauth_create_principal_with_oid(roleName text, objectId text,
 * objectType text, isAdmin boolean, isMfa boolean)`, as Microsoft documents it in "Manage Microsoft
 * Entra roles in Azure Database for PostgreSQL flexible server": objectType `service` for managed
 * identities (objectId: the identity's principal/object id, not its client id), `group` for groups.
 * It needs no Graph lookup by display name, so it works for identities created in the same deployment.
 */

export interface EntraLogin {
  /** The Postgres role name the principal logs in as (its display name by convention). */
  roleName: string;
  objectId: string;
  objectType: "service" | "group" | "user";
}

export interface RoleSqlInput {
  environment: string;
  appHost: string;
  database: string;
  /** Managed identities granted app_rw (backend, worker). */
  appReadWrite: EntraLogin[];
  /** Principals granted analytics_ro (groups.data), if configured. */
  analyticsReadOnly: EntraLogin[];
  /** The Entra administrator's role name (groups.dba), granted admin; absent when not configured. */
  adminRoleName?: string;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

function createPrincipal(p: EntraLogin): string {
  return [
    "DO $$",
    "BEGIN",
    `  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(p.roleName)}) THEN`,
    `    PERFORM pgaadauth_create_principal_with_oid(${literal(p.roleName)}, ${literal(p.objectId)}, ${literal(p.objectType)}, false, false);`,
    "  END IF;",
    "END $$;",
  ].join("\n");
}

function createGroupRole(name: string): string {
  return `DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(name)}) THEN\n    CREATE ROLE ${ident(name)} NOLOGIN;\n  END IF;\nEND $$;`;
}

export function renderRoleSql(input: RoleSqlInput): string {
  const db = ident(input.database);
  const lines: string[] = [
    `-- engram-infra: database roles of the ${input.environment} application server (SOP 002: app_rw, analytics_ro, admin).`,
    `-- Run as the Entra administrator (groups.dba): psql "host=${input.appHost} dbname=postgres sslmode=require" -f roles.sql`,
    "-- Idempotent: safe to run again after every deployment. Contains no credentials.",
    "\\connect postgres",
    createGroupRole("app_rw"),
    createGroupRole("analytics_ro"),
    createGroupRole("admin"),
  ];
  for (const p of [...input.appReadWrite, ...input.analyticsReadOnly]) lines.push(createPrincipal(p));
  for (const p of input.appReadWrite) lines.push(`GRANT app_rw TO ${ident(p.roleName)};`);
  for (const p of input.analyticsReadOnly) lines.push(`GRANT analytics_ro TO ${ident(p.roleName)};`);
  if (input.adminRoleName) lines.push(`GRANT admin TO ${ident(input.adminRoleName)};`);
  else lines.push("-- engram:groups.dba is not set: no principal holds admin yet.");
  if (input.analyticsReadOnly.length === 0)
    lines.push("-- engram:groups.data is not set: no principal holds analytics_ro yet.");
  lines.push(
    `\\connect ${input.database}`,
    `GRANT CONNECT ON DATABASE ${db} TO app_rw, analytics_ro, admin;`,
    "GRANT USAGE ON SCHEMA public TO app_rw, analytics_ro;",
    "GRANT ALL ON SCHEMA public TO admin;",
    "GRANT CREATE ON SCHEMA public TO app_rw;",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app_rw;",
    "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO app_rw;",
    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO analytics_ro;",
    "GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO admin;",
    "ALTER DEFAULT PRIVILEGES FOR ROLE app_rw IN SCHEMA public GRANT SELECT ON TABLES TO analytics_ro;",
    "ALTER DEFAULT PRIVILEGES FOR ROLE app_rw IN SCHEMA public GRANT ALL ON TABLES TO admin;",
    "",
  );
  return lines.join("\n");
}
