import * as pulumi from "@pulumi/pulumi";
import { StaticWebApp } from "../../components/static-web-app";
import { Context, Platform } from "../context";

export interface WebLayer {
  /** The SPA's `<generated>.azurestaticapps.net` hostname, without scheme. */
  defaultHostname: pulumi.Output<string>;
  /** `https://<defaultHostname>`: joins the API's CORS origins and the SPA redirect URIs. */
  origin: pulumi.Output<string>;
  site: StaticWebApp;
}

/**
 * The SPA front end (DESIGN.md §2). Built before the Entra apps and the runtime because its
 * generated hostname is one of their inputs (SPA redirect URIs, CORS_ORIGINS).
 */
export function buildWeb(ctx: Context, platform: Platform): WebLayer {
  const site = new StaticWebApp("web", {
    siteName: ctx.name("staticWebApp"),
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: { ...ctx.tags, service: "web" },
  });
  return { defaultHostname: site.defaultHostname, origin: site.origin, site };
}
