import { PLACEHOLDER_SUBSCRIPTION } from "../scripts/offline/placeholders";
import { PlanIndex } from "../scripts/offline/plan-index";
import { checkGrant } from "../lib/grants";
import { BUILT_IN_ROLES, FORBIDDEN_ROLES } from "../lib/roles";
import { isHigher } from "../src/matrix";
import { SERVICE_NAMES } from "../src/services";
import { principalIdOf } from "./helpers/data";
import { expectedAssignmentName } from "./helpers/ids";
import { ENVIRONMENTS, planOk } from "./helpers/plan";

/**
 * Least-privilege role assignments (DESIGN.md §4; SOP 000 Identity Principles, SOP 001 Workload
 * Identity): every assignment the program makes, in every environment, obeys the rules of
 * `grant()`, and the refusals carry their exact messages.
 */

const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const ROLE_DEFINITION =
  /^\/subscriptions\/[0-9a-f-]{36}\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f-]{36})$/;
/** A resource group or something inside one; never a subscription, management group or root. */
const RESOURCE_SCOPE = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+(\/providers\/.+)?$/i;

type Inputs = Record<string, string>;
const roleName = (roleDefinitionId: string): string | undefined => {
  const guid = ROLE_DEFINITION.exec(roleDefinitionId)?.[1];
  return Object.entries(BUILT_IN_ROLES).find(([, id]) => id === guid)?.[0];
};
const assignments = (index: PlanIndex) =>
  index.ofType(ROLE_ASSIGNMENT).map((s) => s.newState.inputs as Inputs);

describe.each(ENVIRONMENTS)("role assignments in %s", (env) => {
  it("every assignment names its principalType and has the deterministic UUID v5 name of (scope, principal, role)", async () => {
    const { index } = await planOk(env);
    const all = assignments(index);
    expect(all.length).toBeGreaterThan(0);
    for (const a of all) {
      expect(["ServicePrincipal", "Group"]).toContain(a.principalType);
      expect(a.roleAssignmentName).toBe(expectedAssignmentName(a.scope, a.principalId, a.roleDefinitionId));
    }
    expect(new Set(all.map((a) => a.roleAssignmentName)).size).toBe(all.length);
  });

  it("every assignment is at resource-group or resource scope, with a role from the built-in table", async () => {
    const { index } = await planOk(env);
    for (const a of assignments(index)) {
      expect(a.scope).toMatch(RESOURCE_SCOPE);
      expect(a.roleDefinitionId).toMatch(ROLE_DEFINITION);
      expect(a.roleDefinitionId.startsWith(`/subscriptions/${PLACEHOLDER_SUBSCRIPTION}/`)).toBe(true);
      expect(roleName(a.roleDefinitionId)).toBeDefined();
      for (const forbidden of Object.values(FORBIDDEN_ROLES))
        expect(a.roleDefinitionId).not.toContain(forbidden);
    }
  });

  it("no assignment is protected, so any can be revoked at once (SOP 000 Incident Response)", async () => {
    const { index } = await planOk(env);
    expect(index.ofType(ROLE_ASSIGNMENT).filter((s) => s.newState.protect)).toEqual([]);
  });

  it("Contributor goes only to groups.dev on the resource group, and only in dev and test", async () => {
    const { index, config } = await planOk(env);
    const contributors = assignments(index).filter((a) => roleName(a.roleDefinitionId) === "Contributor");
    if (isHigher(env)) expect(contributors).toEqual([]);
    else
      expect(contributors.map((a) => [a.principalId, a.principalType, a.scope])).toEqual([
        [config.groups.dev, "Group", index.stackOutputs.resourceGroupId],
      ]);
  });

  it("grants the AI account, the registry and the platform groups exactly the roles of DESIGN.md §4", async () => {
    const { index, config } = await planOk(env);
    // The access layer's grants: the four service identities and the platform groups on these scopes.
    const mine = assignments(index).filter((a) =>
      /^engram-infra: (backend|worker|zep|temporal|group:[a-z]+) -> .+ on (ai-account|acr|rg)$/.test(
        a.description,
      ),
    );
    const expected: [string, string, string, string][] = [];
    for (const s of ["backend", "worker"])
      expected.push([
        principalIdOf(index, s),
        "ServicePrincipal",
        "Cognitive Services OpenAI User",
        config.ai.accountId,
      ]);
    const acr = config.registry?.acrId;
    expect(acr).toBeDefined();
    for (const s of SERVICE_NAMES)
      expected.push([principalIdOf(index, s), "ServicePrincipal", "AcrPull", acr as string]);
    const rg = index.stackOutputs.resourceGroupId as string;
    if (config.groups.sre) {
      expected.push(
        [config.groups.sre, "Group", "Monitoring Reader", rg],
        [config.groups.sre, "Group", "Reader", rg],
      );
    }
    if (config.groups.dev) expected.push([config.groups.dev, "Group", "Contributor", rg]);
    const actual = mine.map((a) => [a.principalId, a.principalType, roleName(a.roleDefinitionId), a.scope]);
    const sort = (x: unknown[][]) => x.map((r) => JSON.stringify(r)).sort();
    expect(sort(actual)).toEqual(sort(expected));
    expect(expected.length).toBeGreaterThanOrEqual(6);
  });
});

// Registry variants (no AcrPull without an ACR): tests/container-apps.test.ts "registry". No group
// configured: tests/identity.test.ts "no group configured".

describe("checkGrant refusals (pure)", () => {
  const base = {
    principalLabel: "backend",
    principalType: "ServicePrincipal" as const,
    environment: "dev" as const,
  };

  it("refuses Owner, by name and by GUID", () => {
    const msg =
      "role assignment backend -> Owner is refused: Owner is never assigned by this program (DESIGN.md §4: no Owner, User Access Administrator or RBAC Administrator)";
    expect(() => checkGrant({ ...base, role: "Owner" })).toThrow(msg);
    expect(() => checkGrant({ ...base, role: FORBIDDEN_ROLES.Owner.toUpperCase() })).toThrow(msg);
  });

  it("refuses User Access Administrator", () => {
    expect(() => checkGrant({ ...base, role: "User Access Administrator" })).toThrow(
      "role assignment backend -> User Access Administrator is refused: User Access Administrator is never assigned by this program (DESIGN.md §4: no Owner, User Access Administrator or RBAC Administrator)",
    );
  });

  it("refuses a role outside the built-in table", () => {
    expect(() => checkGrant({ ...base, role: "Key Vault Administrator" })).toThrow(
      `role assignment backend -> Key Vault Administrator is refused: only the built-in roles of lib/roles.ts are assigned (${Object.keys(BUILT_IN_ROLES).join(", ")})`,
    );
  });

  it("refuses subscription, management-group and root scopes", () => {
    const sub = "/subscriptions/00000000-0000-0000-0000-000000000000";
    const mg = "/providers/Microsoft.Management/managementGroups/engram";
    for (const scope of [sub, `${sub}/`, mg, "/"])
      expect(() => checkGrant({ ...base, role: "Reader", scope })).toThrow(
        `role assignment backend -> Reader on scope "${scope}" is refused: assignments are made at resource or resource-group scope, never at subscription, management-group or root scope (DESIGN.md §4, SOP 000 least privilege)`,
      );
    expect(checkGrant({ ...base, role: "Reader", scope: `${sub}/resourceGroups/rg-engram-dev` })).toBe(
      BUILT_IN_ROLES.Reader,
    );
  });

  it("refuses Contributor for anyone but groups.dev, and for groups.dev outside dev and test", () => {
    expect(() => checkGrant({ ...base, role: "Contributor" })).toThrow(
      "role assignment backend -> Contributor is refused in dev: Contributor is granted only to groups.dev, and only in dev and test (DESIGN.md §4)",
    );
    expect(() =>
      checkGrant({
        role: "Contributor",
        principalLabel: "group:sre",
        principalType: "Group",
        environment: "test",
      }),
    ).toThrow(
      "role assignment group:sre -> Contributor is refused in test: Contributor is granted only to groups.dev, and only in dev and test (DESIGN.md §4)",
    );
    for (const environment of ["uat", "staging", "prod"] as const)
      expect(() =>
        checkGrant({ role: "Contributor", principalLabel: "group:dev", principalType: "Group", environment }),
      ).toThrow(
        `role assignment group:dev -> Contributor is refused in ${environment}: Contributor is granted only to groups.dev, and only in dev and test (DESIGN.md §4)`,
      );
    for (const environment of ["dev", "test"] as const)
      expect(
        checkGrant({ role: "Contributor", principalLabel: "group:dev", principalType: "Group", environment }),
      ).toBe(BUILT_IN_ROLES.Contributor);
  });
});
