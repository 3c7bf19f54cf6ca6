import { AZURE_CLI_CLIENT_ID } from "../../lib/ids";
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { ApiAppRole, ApiAppRoleAssignment, EntraApiApp } from "../../components/entra-api-app";
import { EntraSpaApp } from "../../components/entra-spa-app";
import { APP_ROLE_GROUPS, APP_ROLE_VALUES, AppRoleValue } from "../config";
import { Context, Platform } from "../context";
import { entraPermissionId } from "../../lib/ids";

/** The app roles of SOP 000 (Roles: App + Platform), with the descriptions shown when assigning them. */
export const APP_ROLES: Record<AppRoleValue, { displayName: string; description: string }> = {
  Admin: { displayName: "Admin", description: "Full platform and data administration of Engram." },
  Analyst: { displayName: "Analyst", description: "Uses chat, memory and agents." },
  PM: { displayName: "PM", description: "Manages workflows and agents." },
  Viewer: { displayName: "Viewer", description: "Read-only access." },
};

/** Which group of `engram:groups` is assigned which app role. */
export const GROUP_APP_ROLE: Record<(typeof APP_ROLE_GROUPS)[number], AppRoleValue> = {
  admin: "Admin",
  analyst: "Analyst",
  pm: "PM",
  viewer: "Viewer",
};

/** The delegated scope the API exposes (SOP 000 Token & Audience, SOP 001 smoke tests). */
export const API_SCOPE_VALUE = "user_impersonation";

/** The Azure CLI's well-known client id (lib/ids.ts: the report reads it without the SDK). */
export { AZURE_CLI_CLIENT_ID };

/** The Application ID URI (audience) of an environment's API. */
export const apiIdentifierUri = (environment: string) => `api://engram-${environment}`;

/** What the runtime layer and the stack outputs need from Entra. Nothing here is secret. */
export interface EntraLayer {
  api: EntraApiApp;
  spa: EntraSpaApp;
  /** AZURE_AD_CLIENT_ID of the backend and worker: the API registration's client id. */
  apiClientId: pulumi.Output<string>;
  /** The Application ID URI, `api://engram-<env>`. */
  audience: string;
  /** The v2 issuer, `https://login.microsoftonline.com/<tenant>/v2.0`. */
  issuer: pulumi.Output<string>;
  /** The scope clients request, `api://engram-<env>/user_impersonation`. */
  scope: string;
  spaClientId: pulumi.Output<string>;
}

export interface EntraLayerOptions {
  /**
   * Further SPA origins known only at deployment time, e.g. `https://<Static Web App hostname>`.
   * @default []
   */
  extraSpaOrigins?: pulumi.Input<string>[];
}

/**
 * The Entra layer (DESIGN.md §5): the API registration with its roles, scope, service principal,
 * group assignments and pre-authorized clients, and the SPA registration that requests the scope.
 */
export function buildEntra(ctx: Context, platform: Platform, options: EntraLayerOptions = {}): EntraLayer {
  const cfg = ctx.cfg;
  const env = cfg.environment;
  const deployer = azuread.getClientConfigOutput();
  const owners = [deployer.objectId];
  const notes = `Managed by engram-infra (Pulumi stack ${cfg.stack}); change it through a reviewed pull request, not the portal (SOP 000 Change Control).`;

  // Removed roles are left out entirely; retired ones stay, disabled, until a later deployment removes them.
  const appRoles: Record<string, ApiAppRole> = {};
  for (const value of APP_ROLE_VALUES) {
    if (cfg.removedAppRoles.includes(value)) continue;
    appRoles[value] = {
      ...APP_ROLES[value],
      id: entraPermissionId(env, "role", value),
      enabled: !cfg.retiredAppRoles.includes(value),
    };
  }

  // A group keeps its assignment only while its role is enabled: retiring a role revokes it.
  const roleAssignments: Record<string, ApiAppRoleAssignment> = {};
  for (const group of APP_ROLE_GROUPS) {
    const objectId = cfg.groups[group];
    const role = GROUP_APP_ROLE[group];
    if (objectId === undefined || appRoles[role]?.enabled !== true) continue;
    roleAssignments[`group:${group}`] = { principalObjectId: objectId, role };
  }

  const preAuthorizedClients: Record<string, string> = {};
  if (cfg.decisions.azureCliPreAuthorized.value) preAuthorizedClients["azure-cli"] = AZURE_CLI_CLIENT_ID;

  const identifierUri = apiIdentifierUri(env);
  const api = new EntraApiApp("entra-api", {
    displayName: `engram-api-${env}`,
    identifierUri,
    appRoles,
    scope: {
      value: API_SCOPE_VALUE,
      id: entraPermissionId(env, "scope", API_SCOPE_VALUE),
      adminConsentDisplayName: `Access Engram (${env})`,
      adminConsentDescription: `Allows the application to call the Engram API (${env}) on behalf of the signed-in user, with that user's app roles.`,
      userConsentDisplayName: `Access Engram (${env})`,
      userConsentDescription: `Allows the application to call the Engram API (${env}) on your behalf.`,
    },
    owners,
    roleAssignments,
    preAuthorizedClients,
    notes,
    protect: ctx.protect,
  });

  // Plain strings from config are checked by the component before anything is registered.
  const redirectUris = [...cfg.frontendOrigins, ...(options.extraSpaOrigins ?? []), ...cfg.devOrigins];
  const spa = new EntraSpaApp("entra-spa", {
    displayName: `engram-web-${env}`,
    redirectUris,
    allowLocalhost: cfg.fixed.localhostOrigins,
    api: { clientId: api.clientId, scopeId: api.scopeId },
    owners,
    notes,
    protect: ctx.protect,
  });
  api.preAuthorize("spa", spa.clientId);

  return {
    api,
    spa,
    apiClientId: api.clientId,
    audience: identifierUri,
    issuer: pulumi.interpolate`https://login.microsoftonline.com/${platform.tenantId}/v2.0`,
    scope: api.scope,
    spaClientId: spa.clientId,
  };
}
