import { v5 as uuidv5 } from "uuid";

/**
 * The deterministic ids the program must produce, computed here from their documented recipe rather
 * than by src/lib/ids.ts: UUID v5, under the project's namespace (written out: the v5 id of
 * https://github.com/engram/engram-infra under the URL namespace), of the parts joined by U+001F.
 * tests/ids.test.ts pins literal values of the program's own functions.
 */
export const ENGRAM_NAMESPACE = "11af61f3-37e8-5bef-b40c-348ccbd56780";

export const expectedUuid = (...parts: string[]): string => uuidv5(parts.join("\u001f"), ENGRAM_NAMESPACE);

/** An Entra app role or scope id: stable per (environment, kind, value). */
export const expectedPermissionId = (env: string, kind: "role" | "scope", value: string): string =>
  expectedUuid("entra", env, kind, value);

/** A role assignment's name: of the lower-cased scope, principal and role definition. */
export const expectedAssignmentName = (
  scope: string,
  principalId: string,
  roleDefinitionId: string,
): string =>
  expectedUuid(
    "role-assignment",
    scope.toLowerCase(),
    principalId.toLowerCase(),
    roleDefinitionId.toLowerCase(),
  );
