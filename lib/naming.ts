import { createHash } from "crypto";

/**
 * Azure resource names: Cloud Adoption Framework abbreviations, each resource type's length and
 * character rules, and a short deterministic suffix for the names that must be globally unique.
 * Pure functions; a name that breaks its type's rule is an error here, not a failed deployment.
 */

/** CAF abbreviations (https://learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations). */
export const ABBREVIATIONS = {
  resourceGroup: "rg",
  keyVault: "kv",
  storageAccount: "st",
  userAssignedIdentity: "id",
  virtualNetwork: "vnet",
  subnet: "snet",
  networkSecurityGroup: "nsg",
  privateEndpoint: "pe",
  privateDnsZoneLink: "pdnslink",
  logAnalyticsWorkspace: "log",
  applicationInsights: "appi",
  actionGroup: "ag",
  alertRule: "alert",
  containerAppsEnvironment: "cae",
  containerApp: "ca",
  staticWebApp: "stapp",
  postgresServer: "psql",
  applicationGateway: "agw",
  wafPolicy: "waf",
  publicIp: "pip",
  natGateway: "ng",
  managementLock: "lock",
  eventGridSystemTopic: "egst",
  eventGridSubscription: "evgs",
  managedCluster: "aks",
  virtualNetworkPeering: "peer",
  dataCollectionRule: "dcr",
} as const;

export type ResourceKind = keyof typeof ABBREVIATIONS;

interface NameRule {
  min: number;
  max: number;
  pattern: RegExp;
  describe: string;
}

const ALNUM_HYPHEN_LETTER_FIRST = /^[a-z][a-z0-9-]*[a-z0-9]$/;

/** Length and character rules per type (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules). */
export const NAME_RULES: Record<ResourceKind, NameRule> = {
  resourceGroup: {
    min: 1,
    max: 90,
    pattern: /^[a-z0-9._()-]*[a-z0-9_()-]$/,
    describe: "1-90 letters, digits, ._-() not ending in .",
  },
  keyVault: {
    min: 3,
    max: 24,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    describe:
      "3-24 letters, digits and single hyphens, starting with a letter and ending with a letter or digit",
  },
  storageAccount: { min: 3, max: 24, pattern: /^[a-z0-9]+$/, describe: "3-24 lowercase letters and digits" },
  userAssignedIdentity: {
    min: 3,
    max: 128,
    pattern: /^[a-z0-9][a-z0-9_-]*$/,
    describe: "3-128 letters, digits, hyphens and underscores, starting with a letter or digit",
  },
  virtualNetwork: {
    min: 2,
    max: 64,
    pattern: /^[a-z0-9][a-z0-9._-]*[a-z0-9_]$/,
    describe: "2-64 letters, digits, ._-",
  },
  subnet: {
    min: 1,
    max: 80,
    pattern: /^[a-z0-9]([a-z0-9._-]*[a-z0-9_])?$/,
    describe: "1-80 letters, digits, ._-",
  },
  networkSecurityGroup: {
    min: 1,
    max: 80,
    pattern: /^[a-z0-9]([a-z0-9._-]*[a-z0-9_])?$/,
    describe: "1-80 letters, digits, ._-",
  },
  privateEndpoint: {
    min: 2,
    max: 64,
    pattern: /^[a-z0-9][a-z0-9._-]*[a-z0-9_]$/,
    describe: "2-64 letters, digits, ._-",
  },
  privateDnsZoneLink: {
    min: 1,
    max: 80,
    pattern: /^[a-z0-9]([a-z0-9._-]*[a-z0-9_])?$/,
    describe: "1-80 letters, digits, ._-",
  },
  logAnalyticsWorkspace: {
    min: 4,
    max: 63,
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    describe: "4-63 letters, digits and hyphens",
  },
  applicationInsights: {
    min: 1,
    max: 255,
    pattern: /^[a-z0-9][a-z0-9._()-]*$/,
    describe: "1-255 letters, digits, ._-()",
  },
  actionGroup: {
    min: 1,
    max: 260,
    pattern: /^[a-z0-9][a-z0-9._-]*$/,
    describe: "1-260 letters, digits, ._-",
  },
  alertRule: { min: 1, max: 260, pattern: /^[a-z0-9][a-z0-9._-]*$/, describe: "1-260 letters, digits, ._-" },
  containerAppsEnvironment: {
    min: 2,
    max: 60,
    pattern: ALNUM_HYPHEN_LETTER_FIRST,
    describe: "2-60 lowercase letters, digits and hyphens, starting with a letter",
  },
  containerApp: {
    min: 2,
    max: 32,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    describe: "2-32 lowercase letters, digits and single hyphens, starting with a letter",
  },
  staticWebApp: {
    min: 2,
    max: 40,
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    describe: "2-40 letters, digits and hyphens",
  },
  postgresServer: {
    min: 3,
    max: 63,
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    describe: "3-63 lowercase letters, digits and hyphens",
  },
  applicationGateway: {
    min: 1,
    max: 80,
    pattern: /^[a-z0-9]([a-z0-9._-]*[a-z0-9_])?$/,
    describe: "1-80 letters, digits, ._-",
  },
  wafPolicy: { min: 1, max: 128, pattern: /^[a-z0-9][a-z0-9_-]*$/, describe: "1-128 letters, digits, _-" },
  natGateway: {
    min: 1,
    max: 80,
    pattern: /^[a-z0-9]([a-z0-9._-]*[a-z0-9_])?$/,
    describe: "1-80 letters, digits, ._-",
  },
  publicIp: {
    min: 1,
    max: 80,
    pattern: /^[a-z0-9]([a-z0-9._-]*[a-z0-9_])?$/,
    describe: "1-80 letters, digits, ._-",
  },
  managementLock: {
    min: 1,
    max: 90,
    pattern: /^[a-z0-9][a-z0-9._-]*$/,
    describe: "1-90 letters, digits, ._-",
  },
  eventGridSystemTopic: {
    min: 3,
    max: 128,
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    describe: "3-128 letters, digits and hyphens",
  },
  eventGridSubscription: {
    min: 3,
    max: 64,
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    describe: "3-64 letters, digits and hyphens",
  },
  // Microsoft.ContainerService/managedClusters: 1-63, alphanumerics, underscores and hyphens,
  // starting and ending with an alphanumeric. The cluster's DNS prefix is the same name without
  // underscores (AKS takes 1-54 letters, digits and hyphens there).
  managedCluster: {
    min: 1,
    max: 63,
    pattern: /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/,
    describe: "1-63 letters, digits, underscores and hyphens, starting and ending with a letter or digit",
  },
  virtualNetworkPeering: {
    min: 1,
    max: 80,
    pattern: /^[a-z0-9]([a-z0-9._-]*[a-z0-9_])?$/,
    describe: "1-80 letters, digits, ._-",
  },
  dataCollectionRule: {
    min: 1,
    max: 64,
    pattern: /^[a-z0-9]([a-z0-9._-]*[a-z0-9_-])?$/,
    describe: "1-64 letters, digits, ._-, not ending in .",
  },
};

/** The names that must be unique across Azure (their DNS name is derived from them) carry the suffix. */
const GLOBAL: ReadonlySet<ResourceKind> = new Set(["keyVault", "storageAccount", "postgresServer"]);

/**
 * 6 lowercase hex characters of the SHA-256 of `seed`: the same on every machine. Every short
 * deterministic suffix of a name is this hash; callers choose only the seed.
 */
export function shortHash(seed: string): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, 6);
}

/** The program's suffix for globally unique names: the short hash of project and stack. */
export function defaultNameSuffix(project: string, stack: string): string {
  return shortHash(`${project}/${stack}`);
}

export interface NamingContext {
  /** The environment: dev, test, uat, staging or prod. */
  environment: string;
  /** 3-6 lowercase alphanumerics for globally unique names. */
  suffix: string;
}

/**
 * The name of one resource: `<abbr>-engram-<env>[-<qualifier>][-<suffix>]`, or without hyphens for
 * types that forbid them (storage). Throws when the result breaks the type's rule.
 */
export function resourceName(ctx: NamingContext, kind: ResourceKind, qualifier?: string): string {
  const abbr = ABBREVIATIONS[kind];
  const parts = [
    abbr,
    "engram",
    ctx.environment,
    qualifier,
    GLOBAL.has(kind) ? ctx.suffix : undefined,
  ].filter((p): p is string => p !== undefined && p !== "");
  const name = kind === "storageAccount" ? parts.join("").replace(/[^a-z0-9]/g, "") : parts.join("-");
  return checkName(kind, name);
}

/** Validates a name against its type's rule; returns it unchanged when it is valid. */
export function checkName(kind: ResourceKind, name: string): string {
  const rule = NAME_RULES[kind];
  if (name.length < rule.min || name.length > rule.max || !rule.pattern.test(name)) {
    throw new Error(
      `resource name "${name}" (${name.length} characters) is not a valid ${kind} name: ${rule.describe}`,
    );
  }
  return name;
}

/**
 * The receiver name of an alert e-mail address in an action group: readable (the address with
 * every run of other characters as one hyphen) and injective, because a short hash of the whole
 * address follows, so `a.b@x.example` and `a-b@x.example` never share a receiver. E-mail addresses
 * are compared without case, as mail systems do. At most 128 characters.
 */
export function emailReceiverName(email: string): string {
  const address = email.toLowerCase();
  const hash = shortHash(address);
  const readable = address.replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  return `email-${readable.slice(0, 128 - "email-".length - 7)}-${hash}`;
}
