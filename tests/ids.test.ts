import { deterministicUuid, ENGRAM_NAMESPACE, entraPermissionId, roleAssignmentName } from "../lib/ids";

/**
 * UUID v5 ids. The literal values below were computed once (and cross-checked with Python's
 * uuid.uuid5); if one changes, every role assignment and Entra role/scope id would be renamed on
 * the next `pulumi up`, so a change here is a breaking change, never a test to update casually.
 */

const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const KV_SCOPE =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-prod/providers/Microsoft.KeyVault/vaults/kv-engram-prod-abc123";
const PRINCIPAL = "5ad6eafe-7be2-4eff-acaa-754dad04ccd6";
const SECRETS_USER =
  "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6";

describe("deterministicUuid", () => {
  it("uses the project namespace, itself the v5 id of the project URL under the URL namespace", () => {
    expect(ENGRAM_NAMESPACE).toBe("11af61f3-37e8-5bef-b40c-348ccbd56780");
  });

  it("is stable: the same parts give the same id on every run and machine", () => {
    expect(deterministicUuid("engram")).toBe("9dd8f608-60db-5f4e-908d-982a5c99e649");
    expect(deterministicUuid("a/b", "c")).toBe("fee29ca4-1c75-5ead-af7b-743cdc730de8");
    expect(deterministicUuid("a", "b/c")).toBe("8a355f78-c143-5fde-b809-1bd949215e99");
  });

  it("sets the version (5) and the RFC 9562 variant bits", () => {
    for (const id of [deterministicUuid("x"), deterministicUuid("a", "b"), ENGRAM_NAMESPACE])
      expect(id).toMatch(V5);
  });

  it("keeps parts apart: (a/b, c) and (a, b/c) differ, and so do (ab) and (a, b)", () => {
    expect(deterministicUuid("a/b", "c")).not.toBe(deterministicUuid("a", "b/c"));
    expect(deterministicUuid("ab")).not.toBe(deterministicUuid("a", "b"));
    expect(deterministicUuid("a", "")).not.toBe(deterministicUuid("a"));
  });

  it("needs at least one part", () => {
    expect(() => deterministicUuid()).toThrow("deterministicUuid needs at least one part");
  });
});

describe("entraPermissionId", () => {
  it("is stable per environment, kind and value (literal values)", () => {
    expect(entraPermissionId("dev", "role", "Admin")).toBe("7f001006-12c7-5be8-9635-1212a3dfe646");
    expect(entraPermissionId("prod", "role", "Admin")).toBe("018c79aa-40a4-5327-b0e5-9aefeb86d808");
    expect(entraPermissionId("prod", "scope", "user_impersonation")).toBe(
      "4ca5ef7c-097e-599d-bf96-f9578c96c770",
    );
  });

  it("differs per environment and per kind", () => {
    const envs = ["dev", "test", "uat", "staging", "prod"];
    const ids = envs.flatMap((env) => [
      entraPermissionId(env, "role", "Admin"),
      entraPermissionId(env, "scope", "Admin"),
    ]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(V5);
  });
});

describe("roleAssignmentName", () => {
  it("is stable for (scope, principal, role) (literal value)", () => {
    expect(roleAssignmentName(KV_SCOPE, PRINCIPAL, SECRETS_USER)).toBe(
      "291bd8c8-19ba-54fd-aa74-6a622a32dab4",
    );
  });

  it("ignores the case of ARM ids and principal ids (ARM compares them case-insensitively)", () => {
    const expected = roleAssignmentName(KV_SCOPE, PRINCIPAL, SECRETS_USER);
    expect(
      roleAssignmentName(
        KV_SCOPE.replace("resourceGroups/rg-engram-prod", "resourcegroups/RG-ENGRAM-PROD").replace(
          "Microsoft.KeyVault",
          "microsoft.keyvault",
        ),
        PRINCIPAL.toUpperCase(),
        SECRETS_USER.toUpperCase(),
      ),
    ).toBe(expected);
  });

  it("differs when the scope, the principal or the role differs", () => {
    const base = roleAssignmentName(KV_SCOPE, PRINCIPAL, SECRETS_USER);
    expect(roleAssignmentName(`${KV_SCOPE}/secrets/zep-api-key`, PRINCIPAL, SECRETS_USER)).not.toBe(base);
    expect(roleAssignmentName(KV_SCOPE, "a3304a35-546f-4083-a93d-0eff90d8bea8", SECRETS_USER)).not.toBe(base);
    expect(roleAssignmentName(KV_SCOPE, PRINCIPAL, SECRETS_USER.replace("4633458b", "00482a5a"))).not.toBe(
      base,
    );
    expect(base).toMatch(V5);
  });
});
