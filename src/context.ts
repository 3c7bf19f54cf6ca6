import * as pulumi from "@pulumi/pulumi";
import { EngramConfig } from "./config";
import { NamingContext, ResourceKind, resourceName } from "../lib/naming";

/**
 * What every part of the composition needs from config: names, tags, and whether stateful
 * resources are protected. Built once from the validated config; components receive the pieces
 * they need through their Args, never this object.
 */
export interface Context {
  cfg: EngramConfig;
  naming: NamingContext;
  /** Tags for every resource that takes them. */
  tags: Record<string, string>;
  /** Pulumi `protect` and a CanNotDelete lock on stateful resources (matrix). */
  protect: boolean;
  name(kind: ResourceKind, qualifier?: string): string;
}

export function createContext(cfg: EngramConfig): Context {
  const naming: NamingContext = { environment: cfg.environment, suffix: cfg.nameSuffix };
  return {
    cfg,
    naming,
    tags: {
      environment: cfg.environment,
      owner: cfg.tags.owner,
      "cost-center": cfg.tags.costCenter,
      "managed-by": "pulumi",
      project: "engram",
    },
    protect: cfg.decisions.protectResources.value,
    name: (kind, qualifier) => resourceName(naming, kind, qualifier),
  };
}

/** What the resource group and the deploying identity give every layer. */
export interface Platform {
  resourceGroupName: pulumi.Output<string>;
  resourceGroupId: pulumi.Output<string>;
  location: string;
  /** The subscription the deployment runs in (role definitions live there). */
  subscriptionId: pulumi.Output<string>;
  /** The Entra tenant (issuer, AZURE_TENANT_ID). */
  tenantId: pulumi.Output<string>;
}
