import * as pulumi from "@pulumi/pulumi";
import * as web from "@pulumi/azure-native/web";

export interface StaticWebAppArgs {
  /** The Azure name, from the naming helper (`stapp-engram-<env>`). */
  siteName: string;
  resourceGroupName: pulumi.Input<string>;
  /**
   * Static Web Apps run in a handful of regions only (westus2, centralus, eastus2, westeurope,
   * eastasia); the content itself is served from the global edge.
   */
  location: pulumi.Input<string>;
  tags: Record<string, string>;
  /**
   * Pull-request preview environments. They get their own public hostnames, which are neither in
   * the API's CORS origins nor in the SPA redirect URIs, so they are off unless asked for.
   * @default false
   */
  stagingEnvironments?: boolean;
}

/**
 * The Engram SPA host (DESIGN.md §2: Static Web App, Standard, public, Entra login enforced).
 *
 * Entra login is enforced by the app team's `staticwebapp.config.json` (an `auth.identityProviders.
 * azureActiveDirectory` registration and routes with `allowedRoles: ["authenticated"]`, 401 →
 * `/.auth/login/aad`); the resource API has no property for it. Standard is the SKU that allows a
 * custom Entra registration (Free only has the pre-configured provider). `allowConfigFileUpdates`
 * stays true so that file applies on every deployment. Content is deployed by the app team's
 * pipeline with the site's deployment token, so no repository or token is set here.
 *
 * `defaultHostname` feeds the API's CORS origins and the SPA app registration's redirect URIs.
 */
export class StaticWebApp extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  /** `<generated>.azurestaticapps.net`, without scheme. */
  readonly defaultHostname: pulumi.Output<string>;
  /** `https://<defaultHostname>`: the browser origin of the SPA. */
  readonly origin: pulumi.Output<string>;

  constructor(name: string, args: StaticWebAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:web:StaticWebApp", name, {}, opts);
    const site = new web.StaticSite(
      `${name}-site`,
      {
        name: args.siteName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: "Standard", tier: "Standard" },
        stagingEnvironmentPolicy: args.stagingEnvironments ? "Enabled" : "Disabled",
        // The config file carries the Entra login enforcement: it must be applied, not locked out.
        allowConfigFileUpdates: true,
        // The public SPA (DESIGN.md §2); the API behind it is what is private or WAF-fronted.
        publicNetworkAccess: "Enabled",
        // Front Door-backed edge: an extra cost nobody asked for; stated so a drift shows up.
        enterpriseGradeCdnStatus: "Disabled",
        tags: args.tags,
      },
      { parent: this },
    );
    this.id = site.id;
    this.name = site.name;
    this.defaultHostname = site.defaultHostname;
    this.origin = pulumi.interpolate`https://${site.defaultHostname}`;
    this.registerOutputs({
      id: this.id,
      name: this.name,
      defaultHostname: this.defaultHostname,
      origin: this.origin,
    });
  }
}
