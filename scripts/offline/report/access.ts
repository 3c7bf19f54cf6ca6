import { byCodePoint } from "../../../lib/text";
import { BUILT_IN_ROLES, FORBIDDEN_ROLES } from "../../../lib/roles";
import { PlanIndex } from "../plan-index";
import { AZURE_CLI_CLIENT_ID } from "../../../lib/ids";
import { code, grantParts, Inputs, inputsOf, table } from "./format";
import { ReportSection } from "./section";

/**
 * Who may do what, as planned: every Azure role assignment (principal -> role -> scope), and the
 * API's Entra side (app roles, delegated scope, pre-authorized clients, group app-role
 * assignments, SPA redirect URIs). Reads the plan only.
 */

/** A role definition id's built-in role name, or a warning if it is not in the table. */
function roleName(roleDefinitionId: unknown): string {
  const guid = String(roleDefinitionId).split("/").pop()?.toLowerCase();
  const known = Object.entries(BUILT_IN_ROLES).find(([, id]) => id === guid);
  if (known) return known[0];
  const forbidden = Object.entries(FORBIDDEN_ROLES).find(([, id]) => id === guid);
  return forbidden ? `**${forbidden[0]} (forbidden)**` : `**unknown role ${String(guid)}**`;
}

function roleAssignments(index: PlanIndex): string {
  const rows = index
    .ofType("azure-native:authorization:RoleAssignment")
    .map((s) => {
      const i = inputsOf(s);
      const m = grantParts(i.description);
      return [
        m ? m.principal : code(index.logicalName(s)),
        String(i.principalType ?? "**missing**"),
        roleName(i.roleDefinitionId),
        m ? m.scope : "",
        code(i.scope),
      ];
    })
    .sort((a, b) => byCodePoint(a.join("|"), b.join("|")));
  if (rows.length === 0) return "No Azure role assignments.";
  return table(["principal", "principal type", "role", "scope", "scope id"], rows);
}

function apiApp(index: PlanIndex): string[] {
  const app = index
    .ofType("azuread:index/application:Application")
    .find((s) => s.urn.endsWith("::entra-api-app"));
  if (!app) return [];
  const i = inputsOf(app);
  const api = (i.api as Inputs | undefined) ?? {};
  const roles = (i.appRoles as Inputs[] | undefined) ?? [];
  const scopes = (api.oauth2PermissionScopes as Inputs[] | undefined) ?? [];
  const sp = index
    .ofType("azuread:index/servicePrincipal:ServicePrincipal")
    .find((s) => s.urn.endsWith("::entra-api-sp"));
  const roleById = new Map(roles.map((r) => [String(r.id), String(r.value)]));
  const scopeById = new Map(scopes.map((s) => [String(s.id), String(s.value)]));

  const out = [
    `### API app registration ${code(i.displayName)}`,
    "",
    `Identifier URI (audience) ${((i.identifierUris as string[] | undefined) ?? []).map(code).join(", ")}, sign-in audience ${code(i.signInAudience)}, access token version ${code(api.requestedAccessTokenVersion)}, app-role assignment required on the service principal: ${code(sp ? inputsOf(sp).appRoleAssignmentRequired : "no service principal")}.`,
    "",
    table(
      ["app role", "display name", "id", "enabled", "description"],
      roles.map((r) => [
        code(r.value),
        String(r.displayName),
        code(r.id),
        String(r.enabled),
        String(r.description),
      ]),
    ),
    "",
    table(
      ["delegated scope", "id", "consent", "enabled"],
      scopes.map((s) => [code(s.value), code(s.id), String(s.type), String(s.enabled)]),
    ),
    "",
  ];

  const spaUrn = index
    .ofType("azuread:index/application:Application")
    .find((s) => s.urn.endsWith("::entra-spa-app"))?.urn;
  const pre = index.ofType("azuread:index/applicationPreAuthorized:ApplicationPreAuthorized").map((s) => {
    const p = inputsOf(s);
    const client =
      p.authorizedClientId === AZURE_CLI_CLIENT_ID
        ? "Azure CLI"
        : s.newState.dependencies.includes(spaUrn ?? "")
          ? "SPA (engram-web)"
          : index.logicalName(s);
    const ids = (p.permissionIds as string[] | undefined) ?? [];
    return [client, code(p.authorizedClientId), ids.map((id) => code(scopeById.get(id) ?? id)).join(", ")];
  });
  out.push(
    "Pre-authorized clients (no consent prompt):",
    "",
    pre.length ? table(["client", "client id", "scopes"], pre) : "None.",
    "",
  );

  const assignments = index.ofType("azuread:index/appRoleAssignment:AppRoleAssignment").map((s) => {
    const a = inputsOf(s);
    const label = index
      .logicalName(s)
      .replace(/^entra-api-role-/, "")
      .replace(/^group-/, "group:");
    return [label, code(a.principalObjectId), code(roleById.get(String(a.appRoleId)) ?? a.appRoleId)];
  });
  out.push(
    "App-role assignments:",
    "",
    assignments.length
      ? table(["principal", "object id", "app role"], assignments)
      : "None (no app-role group configured).",
  );
  return out;
}

function spaApp(index: PlanIndex): string[] {
  const app = index
    .ofType("azuread:index/application:Application")
    .find((s) => s.urn.endsWith("::entra-spa-app"));
  if (!app) return [];
  const i = inputsOf(app);
  const uris = ((i.singlePageApplication as Inputs | undefined)?.redirectUris as string[] | undefined) ?? [];
  const api = index
    .ofType("azuread:index/application:Application")
    .find((s) => s.urn.endsWith("::entra-api-app"));
  const apiScopes = ((api && (inputsOf(api).api as Inputs | undefined)?.oauth2PermissionScopes) ??
    []) as Inputs[];
  const scopeName = (id: unknown) => String(apiScopes.find((s) => s.id === id)?.value ?? id);
  const required = ((i.requiredResourceAccesses as Inputs[] | undefined) ?? []).flatMap(
    (r) => (r.resourceAccesses as Inputs[] | undefined) ?? [],
  );
  return [
    "",
    `### SPA app registration ${code(i.displayName)}`,
    "",
    `SPA redirect URIs: ${uris.map(code).join(", ") || "none"}. Requests ${required.map((r) => `${String(r.type).toLowerCase()} ${code(scopeName(r.id))}`).join(", ") || "nothing"} of the API.`,
  ];
}

export const accessSection: ReportSection = ({ index }) => {
  const hasAssignments = index.ofType("azure-native:authorization:RoleAssignment").length > 0;
  const entra = [...apiApp(index), ...spaApp(index)];
  if (!hasAssignments && entra.length === 0) return undefined;
  return [
    "## Effective access",
    "",
    "Every Azure role assignment in the plan (principal -> role -> scope). Principal ids of managed identities",
    "are placeholders until deployment; group ids come from `engram:groups`.",
    "",
    roleAssignments(index),
    ...(entra.length ? ["", ...entra] : []),
  ].join("\n");
};
