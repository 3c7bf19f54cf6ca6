import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";

/** One app role of the API (SOP 000 Roles). */
export interface ApiAppRole {
  displayName: string;
  description: string;
  /** A stable UUID (`entraPermissionId(environment, "role", value)`): never random, never reused. */
  id: string;
  /**
   * `false` while the role is being retired: Entra refuses to delete an enabled role, so a role is
   * disabled in one deployment and left out of `appRoles` in a later one.
   * @default true
   */
  enabled?: boolean;
}

/** The delegated permission (OAuth2 scope) the API exposes. */
export interface ApiScope {
  /** The `scp` claim value, e.g. `user_impersonation`. */
  value: string;
  /** A stable UUID (`entraPermissionId(environment, "scope", value)`); pre-authorizations reference it. */
  id: string;
  adminConsentDisplayName: string;
  adminConsentDescription: string;
  userConsentDisplayName: string;
  userConsentDescription: string;
}

/** A directory object (a group) assigned one app role. */
export interface ApiAppRoleAssignment {
  principalObjectId: pulumi.Input<string>;
  /** A key of `appRoles`; the role must be enabled. */
  role: string;
}

export interface EntraApiAppArgs {
  /** The app registration's display name, `engram-api-<env>`. */
  displayName: string;
  /** The Application ID URI, `api://engram-<env>`: the audience clients request tokens for. */
  identifierUri: string;
  /** App roles keyed by their value (the `roles` claim). Roles removed for good are left out. */
  appRoles: Record<string, ApiAppRole>;
  scope: ApiScope;
  /**
   * Owners of the registration and its service principal, set when they are created: the deploying
   * identity must be one when it holds only Microsoft Graph `Application.ReadWrite.OwnedBy`. Later
   * changes are ignored, because previews run as the read-only plan identity, whose object id
   * differs from the apply identity's; managing owners would show a change on every preview and
   * fail drift detection.
   */
  owners: pulumi.Input<string>[];
  /**
   * App-role assignments keyed by a stable label (`group:admin`).
   * @default {}
   */
  roleAssignments?: Record<string, ApiAppRoleAssignment>;
  /**
   * Clients pre-authorized on the scope (no consent prompt), keyed by a stable label, valued by
   * client id. Clients created after this app (the SPA) are added with `preAuthorize`.
   * @default {}
   */
  preAuthorizedClients?: Record<string, pulumi.Input<string>>;
  /** Free-text notes shown on the registration in the portal. @default none */
  notes?: string;
  /**
   * Pulumi `protect` on the registration and its service principal; deleting either loses the
   * client id every client and token validation depends on.
   * @default true
   */
  protect?: boolean;
}

/**
 * The Entra app registration of the Engram API (SOP 000 Token & Audience; SOP 001): the
 * Application ID URI clients request tokens for, v2 access tokens, the app roles the API maps to
 * its internal roles, one delegated scope, and a service principal that admits only users holding
 * an app role (`appRoleAssignmentRequired`).
 *
 * Role and scope ids come in as stable UUIDs, so nothing reads them back from Entra: the
 * pre-authorizations and app-role assignments reference ids that are known at plan time and
 * never change between runs. Pre-authorizations are separate `ApplicationPreAuthorized` resources
 * (the Application resource does not manage them), which also breaks the cycle with the SPA:
 * the SPA requires this app's scope, and this app pre-authorizes the SPA.
 */
export class EntraApiApp extends pulumi.ComponentResource {
  /** The application (client) id: AZURE_AD_CLIENT_ID, and the `aud` of v2 access tokens. */
  readonly clientId: pulumi.Output<string>;
  /** The application's object id. */
  readonly objectId: pulumi.Output<string>;
  /** The provider id of the registration (`/applications/<objectId>`). */
  readonly applicationId: pulumi.Output<string>;
  readonly servicePrincipalObjectId: pulumi.Output<string>;
  readonly identifierUri: string;
  readonly scopeId: string;
  /** The full scope string clients request: `<identifierUri>/<scope>`. */
  readonly scope: string;
  /** Role ids by role value (enabled and retired roles). */
  readonly roleIds: Record<string, string>;

  private readonly application: azuread.Application;
  private readonly baseName: string;
  private readonly protect: boolean;

  constructor(name: string, args: EntraApiAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:entra:EntraApiApp", name, {}, opts);
    this.baseName = name;
    this.protect = args.protect ?? true;

    const ids = [...Object.values(args.appRoles).map((r) => r.id), args.scope.id];
    if (new Set(ids.map((i) => i.toLowerCase())).size !== ids.length)
      throw new Error(`${args.displayName}: app role and scope ids must be distinct`);
    if (Object.keys(args.appRoles).includes(args.scope.value))
      throw new Error(
        `${args.displayName}: the scope value ${args.scope.value} collides with an app role value (Entra keeps them in one namespace)`,
      );

    const roleKeys = Object.keys(args.appRoles).sort();
    this.application = new azuread.Application(
      `${name}-app`,
      {
        displayName: args.displayName,
        // Set on the Application in the same request as the v2 token version: a separate
        // ApplicationIdentifierUri would need ignoreChanges here, and Microsoft's default
        // identifier-URI restriction exempts apps that receive v2 tokens.
        identifierUris: [args.identifierUri],
        signInAudience: "AzureADMyOrg",
        owners: args.owners,
        preventDuplicateNames: true,
        fallbackPublicClientEnabled: false,
        api: {
          requestedAccessTokenVersion: 2,
          oauth2PermissionScopes: [
            {
              id: args.scope.id,
              value: args.scope.value,
              type: "User",
              enabled: true,
              adminConsentDisplayName: args.scope.adminConsentDisplayName,
              adminConsentDescription: args.scope.adminConsentDescription,
              userConsentDisplayName: args.scope.userConsentDisplayName,
              userConsentDescription: args.scope.userConsentDescription,
            },
          ],
        },
        appRoles: roleKeys.map((value) => {
          const r = args.appRoles[value];
          return {
            id: r.id,
            value,
            displayName: r.displayName,
            description: r.description,
            allowedMemberTypes: ["User"],
            enabled: r.enabled ?? true,
          };
        }),
        // An API has no sign-in of its own: no redirect URIs, no implicit grant.
        web: { implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false } },
        notes: args.notes,
      },
      { parent: this, protect: this.protect, ignoreChanges: ["owners"] },
    );

    const sp = new azuread.ServicePrincipal(
      `${name}-sp`,
      {
        clientId: this.application.clientId,
        // Only users (through their groups) holding an app role get a token for the API.
        appRoleAssignmentRequired: true,
        accountEnabled: true,
        owners: args.owners,
      },
      { parent: this, protect: this.protect, ignoreChanges: ["owners"] },
    );

    for (const [label, a] of Object.entries(args.roleAssignments ?? {})) {
      const role = args.appRoles[a.role];
      if (!role)
        throw new Error(
          `${args.displayName}: app-role assignment ${label} names the role ${a.role}, which this app does not define (removed roles cannot be assigned)`,
        );
      if (role.enabled === false)
        throw new Error(
          `${args.displayName}: app-role assignment ${label} names the role ${a.role}, which is being retired (disabled); retired roles are not assigned`,
        );
      new azuread.AppRoleAssignment(
        `${name}-role-${slug(label)}`,
        {
          appRoleId: role.id,
          principalObjectId: a.principalObjectId,
          resourceObjectId: sp.objectId,
        },
        // Assignments are revocable at any time (SOP 000 Incident Response), so never protected.
        { parent: this, protect: false },
      );
    }

    this.clientId = this.application.clientId;
    this.objectId = this.application.objectId;
    this.applicationId = this.application.id;
    this.servicePrincipalObjectId = sp.objectId;
    this.identifierUri = args.identifierUri;
    this.scopeId = args.scope.id;
    this.scope = `${args.identifierUri}/${args.scope.value}`;
    this.roleIds = Object.fromEntries(roleKeys.map((v) => [v, args.appRoles[v].id]));

    for (const [label, clientId] of Object.entries(args.preAuthorizedClients ?? {}))
      this.preAuthorize(label, clientId);

    this.registerOutputs({
      clientId: this.clientId,
      objectId: this.objectId,
      servicePrincipalObjectId: this.servicePrincipalObjectId,
      identifierUri: this.identifierUri,
      scope: this.scope,
    });
  }

  /**
   * Pre-authorizes a client application on the scope, so its users are never asked to consent.
   * Used for clients registered after this app (the SPA, which itself requires this app's scope).
   */
  preAuthorize(label: string, clientId: pulumi.Input<string>): azuread.ApplicationPreAuthorized {
    return new azuread.ApplicationPreAuthorized(
      `${this.baseName}-preauth-${slug(label)}`,
      {
        applicationId: this.application.id,
        authorizedClientId: clientId,
        permissionIds: [this.scopeId],
      },
      // A pre-authorization is revocable like any grant; never protected.
      { parent: this, protect: false },
    );
  }
}

const slug = (label: string) => label.toLowerCase().replace(/[^a-z0-9]+/g, "-");
