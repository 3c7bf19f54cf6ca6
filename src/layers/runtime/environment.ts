import * as pulumi from "@pulumi/pulumi";
import { ContainerAppsEnvironment } from "../../../components/container-apps-environment";
import { Context, Platform } from "../../context";
import { NetworkLayer } from "../network";
import { AppName } from "./plans";

/** The Container Apps environment the five apps run in (DESIGN.md §1, §6). */
export function buildEnvironment(
  ctx: Context,
  platform: Platform,
  network: NetworkLayer,
): ContainerAppsEnvironment {
  const cfg = ctx.cfg;
  const subnet = network.subnets.aca;
  if (!subnet) throw new Error("the Container Apps environment needs the aca subnet (runtime aca)");
  return new ContainerAppsEnvironment("aca", {
    environmentName: ctx.name("containerAppsEnvironment"),
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
    infrastructureSubnetId: subnet.id,
    // With the WAF the gateway is the only public entry (DESIGN.md §1 API public surface).
    internal: cfg.decisions.waf.value,
    vnetId: network.vnetId,
    peerEncryption: cfg.decisions.peerEncryption.value,
    zoneRedundant: cfg.decisions.availability.value,
  });
}

/** An app's Azure name (`ca-engram-<env>-<app>`). */
export const appNameOf = (ctx: Context, a: AppName): string => ctx.name("containerApp", a);

/**
 * ACA's documented FQDN scheme for an internal app; used where the app's own output would be
 * circular (its certificate).
 */
export const internalFqdnOf = (
  ctx: Context,
  environment: ContainerAppsEnvironment,
  a: AppName,
): pulumi.Output<string> => pulumi.interpolate`${appNameOf(ctx, a)}.internal.${environment.defaultDomain}`;
