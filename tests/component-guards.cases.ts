import * as pulumi from "@pulumi/pulumi";
import { EntraApiApp } from "../components/entra-api-app";
import { EntraSpaApp } from "../components/entra-spa-app";
import { PostgresServer } from "../components/postgres";
import { grant } from "../components/role-assignment";
import { BUILT_IN_ROLES, RoleName } from "../lib/roles";
import { PLACEHOLDER_SUBSCRIPTION } from "../scripts/offline/placeholders";
import { T } from "./helpers/data";
import { expectedAssignmentName, expectedPermissionId } from "./helpers/ids";
import { runUnit } from "./helpers/plan";

const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";

/**
 * Components refuse unsafe input themselves, before they register anything (defence in depth
 * behind config validation): each case constructs one component under the offline engine in this
 * file. They run inside tests/guards.test.ts (which imports this file), whose worker has the Pulumi
 * SDK and the components loaded already; the tests that read plans (tests/availability,
 * tests/identity, tests/grants) load neither.
 */

describe("the Postgres component's guard (Burstable compute has no high availability)", () => {
  const attempt = (sku: { name: string; tier: "Burstable" | "GeneralPurpose" }) =>
    runUnit(
      () =>
        void new PostgresServer("psql", {
          serverName: "psql-engram-unit",
          resourceGroupName: "rg-engram-unit",
          location: "westeurope",
          tenantId: "11111111-1111-1111-1111-111111111111",
          databases: ["engram"],
          sku,
          availability: true,
          protect: false,
          tags: {},
        }),
    );

  it("GIVEN availability on a Burstable SKU THEN it refuses before registering the server", async () => {
    const run = await attempt({ name: "Standard_B1ms", tier: "Burstable" });
    expect(run.error instanceof Error ? run.error.message : String(run.error)).toBe(
      "Postgres server psql-engram-unit: zone-redundant high availability needs General Purpose or Memory Optimized compute, not Standard_B1ms (Burstable)",
    );
    expect(run.resources.map((r) => r.type)).not.toContain(T.server);
  });

  it("GIVEN availability on General Purpose THEN the server is registered zone-redundant", async () => {
    const run = await attempt({ name: "Standard_D2ds_v5", tier: "GeneralPurpose" });
    expect(run.error).toBeUndefined();
    expect(run.resources.filter((r) => r.type === T.server).map((r) => r.inputs.highAvailability)).toEqual([
      { mode: "ZoneRedundant", standbyAvailabilityZone: "2" },
    ]);
  });
});

describe("Entra components refuse unsafe input", () => {
  it("the SPA app refuses a localhost redirect URI unless localhost is allowed", async () => {
    const r = await runUnit(() => {
      new EntraSpaApp("spa", {
        displayName: "engram-web-prod",
        redirectUris: ["https://app.engram.example", "http://localhost:3000"],
        api: {
          clientId: "00000000-0000-0000-0000-000000000001",
          scopeId: "00000000-0000-0000-0000-000000000002",
        },
        owners: [],
      });
    });
    expect(String(r.error)).toContain(
      "engram-web-prod: redirect URI http://localhost:3000 is refused: SPA redirect URIs are https; localhost is allowed only in dev and test (SOP 001 CORS)",
    );
  });

  it("the API app refuses to assign a group to a retired role", async () => {
    const r = await runUnit(() => {
      new EntraApiApp("api", {
        displayName: "engram-api-dev",
        identifierUri: "api://engram-dev",
        appRoles: {
          PM: {
            displayName: "PM",
            description: "Manages workflows and agents.",
            id: expectedPermissionId("dev", "role", "PM"),
            enabled: false,
          },
        },
        scope: {
          value: "user_impersonation",
          id: expectedPermissionId("dev", "scope", "user_impersonation"),
          adminConsentDisplayName: "a",
          adminConsentDescription: "a",
          userConsentDisplayName: "a",
          userConsentDescription: "a",
        },
        owners: [pulumi.output("x")],
        roleAssignments: { "group:pm": { principalObjectId: "g", role: "PM" } },
      });
    });
    expect(String(r.error)).toContain(
      "engram-api-dev: app-role assignment group:pm names the role PM, which is being retired (disabled); retired roles are not assigned",
    );
  });
});

describe("grant()", () => {
  const attempt = (role: string, scope: string) =>
    runUnit(() => {
      const parent = new pulumi.ComponentResource("engram:test:Parent", "parent");
      grant(
        {
          principal: { principalId: "p", principalType: "ServicePrincipal", label: "backend" },
          role: role as RoleName,
          scope: { id: scope, label: "x" },
          subscriptionId: PLACEHOLDER_SUBSCRIPTION,
          environment: "prod",
        },
        { parent },
      );
    });

  it("throws before registering anything when asked for Owner", async () => {
    const run = await attempt("Owner", `/subscriptions/${PLACEHOLDER_SUBSCRIPTION}/resourceGroups/rg`);
    expect(String(run.error)).toContain(
      "role assignment backend -> Owner is refused: Owner is never assigned by this program",
    );
    expect(run.resources.filter((r) => r.type === ROLE_ASSIGNMENT)).toEqual([]);
  });

  it("throws before registering anything when asked for a subscription scope", async () => {
    const run = await attempt("Reader", `/subscriptions/${PLACEHOLDER_SUBSCRIPTION}`);
    expect(String(run.error)).toContain(
      `role assignment backend -> Reader on scope "/subscriptions/${PLACEHOLDER_SUBSCRIPTION}" is refused`,
    );
    expect(run.resources.filter((r) => r.type === ROLE_ASSIGNMENT)).toEqual([]);
  });

  it("registers an allowed grant with principalType and its deterministic name", async () => {
    const scope = `/subscriptions/${PLACEHOLDER_SUBSCRIPTION}/resourceGroups/rg`;
    const run = await attempt("Reader", scope);
    expect(run.error).toBeUndefined();
    const [ra] = run.resources.filter((r) => r.type === ROLE_ASSIGNMENT);
    const roleDef = `/subscriptions/${PLACEHOLDER_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES.Reader}`;
    expect(ra.inputs).toMatchObject({
      principalType: "ServicePrincipal",
      scope,
      roleDefinitionId: roleDef,
      roleAssignmentName: expectedAssignmentName(scope, "p", roleDef),
    });
  });
});
