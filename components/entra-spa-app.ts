import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";

/** The API scope the SPA requests. */
export interface SpaApiAccess {
  /** The API's application (client) id. */
  clientId: pulumi.Input<string>;
  /** The stable id of the API's delegated scope. */
  scopeId: string;
}

export interface EntraSpaAppArgs {
  /** The app registration's display name, `engram-web-<env>`. */
  displayName: string;
  /** SPA redirect URIs: the environment's frontend origins, the Static Web App, localhost in dev/test. */
  redirectUris: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Whether `http://localhost:<port>` / `http://127.0.0.1:<port>` redirect URIs are accepted; every
   * other URI must be https. Only dev and test pass true (SOP 001 CORS).
   * @default false
   */
  allowLocalhost?: boolean;
  api: SpaApiAccess;
  /**
   * Owners of the registration and its service principal (the deploying identity), set when they
   * are created; later changes are ignored (see EntraApiAppArgs.owners).
   */
  owners: pulumi.Input<string>[];
  /** Free-text notes shown on the registration in the portal. @default none */
  notes?: string;
  /** Pulumi `protect` on the registration and its service principal. @default true */
  protect?: boolean;
}

const HTTPS_ORIGIN = /^https:\/\/[^\s/?#*]+(\/[^\s?#*]*)?$/;
const LOCALHOST = /^http:\/\/(localhost|127\.0\.0\.1):\d{2,5}(\/[^\s?#*]*)?$/;

/**
 * The Entra app registration of the Engram web SPA (SOP 000 Credential Lifecycle: register
 * redirect URIs; request the API scope). Auth-code flow with PKCE only: SPA redirect URIs, no
 * implicit grant, not a public-client fallback. Its service principal lets users of the tenant
 * sign in; who may call the API is decided by the API's app roles.
 */
export class EntraSpaApp extends pulumi.ComponentResource {
  readonly clientId: pulumi.Output<string>;
  readonly objectId: pulumi.Output<string>;
  readonly redirectUris: pulumi.Output<string[]>;

  constructor(name: string, args: EntraSpaAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:entra:EntraSpaApp", name, {}, opts);
    const protect = args.protect ?? true;
    const allowLocalhost = args.allowLocalhost ?? false;

    const check = (u: string) => {
      if (!HTTPS_ORIGIN.test(u) && !(allowLocalhost && LOCALHOST.test(u)))
        throw new Error(
          `${args.displayName}: redirect URI ${u} is refused: ${
            allowLocalhost
              ? "SPA redirect URIs are https or http://localhost:PORT"
              : "SPA redirect URIs are https; localhost is allowed only in dev and test (SOP 001 CORS)"
          }`,
        );
    };
    // URIs known now are refused before anything is registered; the rest when they resolve.
    if (Array.isArray(args.redirectUris))
      for (const u of args.redirectUris as unknown[]) if (typeof u === "string") check(u);
    this.redirectUris = pulumi.output(args.redirectUris).apply((uris) => {
      uris.forEach(check);
      return [...new Set(uris)];
    });

    const app = new azuread.Application(
      `${name}-app`,
      {
        displayName: args.displayName,
        signInAudience: "AzureADMyOrg",
        owners: args.owners,
        preventDuplicateNames: true,
        singlePageApplication: { redirectUris: this.redirectUris },
        web: { implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false } },
        fallbackPublicClientEnabled: false,
        api: { requestedAccessTokenVersion: 2 },
        requiredResourceAccesses: [
          { resourceAppId: args.api.clientId, resourceAccesses: [{ id: args.api.scopeId, type: "Scope" }] },
        ],
        notes: args.notes,
      },
      { parent: this, protect, ignoreChanges: ["owners"] },
    );

    new azuread.ServicePrincipal(
      `${name}-sp`,
      {
        clientId: app.clientId,
        accountEnabled: true,
        // Sign-in to the SPA alone grants nothing: the API's service principal requires an app role.
        appRoleAssignmentRequired: false,
        owners: args.owners,
      },
      { parent: this, protect, ignoreChanges: ["owners"] },
    );

    this.clientId = app.clientId;
    this.objectId = app.objectId;
    this.registerOutputs({
      clientId: this.clientId,
      objectId: this.objectId,
      redirectUris: this.redirectUris,
    });
  }
}
