import * as pulumi from "@pulumi/pulumi";
import { CicdHubConfig, cicdHubOf } from "./cicdHub";
import { defaultEnvironmentResourceGroup, defaultNameSuffix, Environment, ENVIRONMENTS } from "./names";

/** Config namespace of the bootstrap project (its Pulumi.yaml `name`). */
export const NAMESPACE = "engram-bootstrap";

export interface GithubReviewers {
  /** GitHub team ids (numbers, not slugs). */
  readonly teams: number[];
  /** GitHub user ids (numbers, not logins). */
  readonly users: number[];
}

/** The validated bootstrap configuration. Only `readBootstrapConfig` produces it. */
export interface BootstrapConfig {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly location: string;
  readonly githubOwner: string;
  readonly githubRepo: string;
  readonly nameSuffix: string;
  readonly resourceGroups: Readonly<Record<Environment, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly grantGraphPermissions: boolean;
  readonly manageGithub: boolean;
  readonly githubReviewers: GithubReviewers;
  /** The CI/CD hub of GitHub-hosted runners in a VNet (src/cicdHub.ts); undefined: none. */
  readonly cicdHub?: CicdHubConfig;
}

/** Thrown with every problem found, one per line, each naming key, value and rule. */
export class BootstrapConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "BootstrapConfigError";
  }
}

const KEYS = [
  "subscriptionId",
  "tenantId",
  "location",
  "githubOwner",
  "githubRepo",
  "nameSuffix",
  "resourceGroups",
  "tags",
  "grantGraphPermissions",
  "manageGithub",
  "githubReviewers",
  "cicdHub",
] as const;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const REGION = /^[a-z][a-z0-9]{2,39}$/;
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_REPO = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
const SUFFIX = /^[a-z0-9]{3,6}$/;
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;

export const RULES = {
  subscriptionId: "required; the GUID of the subscription to bootstrap",
  tenantId: "required; the GUID of the Entra tenant that trusts GitHub's OIDC tokens",
  location: "required; an Azure region name such as westeurope (lower-case letters and digits)",
  githubOwner: "required; a GitHub user or organisation (letters, digits, single hyphens, at most 39)",
  githubRepo: "required; a GitHub repository name (letters, digits, '.', '_', '-', at most 100)",
  nameSuffix: "3-6 lower-case letters or digits (storage account and vault names are global)",
  resourceGroups: `a JSON object mapping some of ${ENVIRONMENTS.join(", ")} to resource group names`,
  resourceGroupKey: `environments are ${ENVIRONMENTS.join(", ")}`,
  resourceGroupName: "1-90 letters, digits, '_', '-', '.', '(', ')', not ending in '.'",
  resourceGroupUnique: "each environment needs its own resource group (its apply identity is scoped to it)",
  tags: 'required; a JSON object with non-empty string "owner" and "costCenter" (plus optional strings)',
  boolean: "true or false",
  githubReviewers:
    'a JSON object {"teams": [ids], "users": [ids]} of positive integer GitHub ids, at most 6 of each',
  githubReviewersRequired:
    "at least one reviewer is required when manageGithub is true (uat, staging and prod need approval)",
  unknown: `unknown key; known keys are ${KEYS.join(", ")}`,
} as const;

function show(value: string | undefined): string {
  return value === undefined ? "(not set)" : JSON.stringify(value);
}

function problem(key: string, value: string | undefined, rule: string): string {
  return `${NAMESPACE}:${key}=${show(value)} is not valid: ${rule}`;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The resource group of each environment: the defaults, with engram:resourceGroups's names over them. */
function resourceGroupsOf(value: string | undefined, problems: string[]): Record<Environment, string> {
  const resourceGroups = Object.fromEntries(
    ENVIRONMENTS.map((env) => [env, defaultEnvironmentResourceGroup(env)]),
  ) as Record<Environment, string>;
  if (value !== undefined) {
    const parsed = parseJson(value);
    if (!isRecord(parsed)) {
      problems.push(problem("resourceGroups", value, RULES.resourceGroups));
    } else {
      for (const [env, name] of Object.entries(parsed)) {
        const key = `resourceGroups.${env}`;
        if (!(ENVIRONMENTS as readonly string[]).includes(env)) {
          problems.push(problem(key, JSON.stringify(name), RULES.resourceGroupKey));
        } else if (typeof name !== "string" || !RESOURCE_GROUP.test(name)) {
          problems.push(
            problem(key, typeof name === "string" ? name : JSON.stringify(name), RULES.resourceGroupName),
          );
        } else {
          resourceGroups[env as Environment] = name;
        }
      }
      const seen = new Map<string, Environment>();
      for (const env of ENVIRONMENTS) {
        const name = resourceGroups[env].toLowerCase();
        const first = seen.get(name);
        if (first !== undefined) {
          problems.push(
            problem(
              `resourceGroups.${env}`,
              resourceGroups[env],
              `${RULES.resourceGroupUnique}; ${first} uses it too`,
            ),
          );
        } else {
          seen.set(name, env);
        }
      }
    }
  }
  return resourceGroups;
}

/** The reviewers of the protected environments (GitHub ids), as engram:githubReviewers gives them. */
function githubReviewersOf(value: string | undefined, problems: string[]): GithubReviewers {
  if (value !== undefined) {
    const parsed = parseJson(value);
    const ids = (v: unknown): v is number[] =>
      Array.isArray(v) && v.length <= 6 && v.every((n) => Number.isInteger(n) && (n as number) > 0);
    if (
      !isRecord(parsed) ||
      Object.keys(parsed).some((k) => k !== "teams" && k !== "users") ||
      (parsed.teams !== undefined && !ids(parsed.teams)) ||
      (parsed.users !== undefined && !ids(parsed.users))
    ) {
      problems.push(problem("githubReviewers", value, RULES.githubReviewers));
    } else {
      return { teams: (parsed.teams as number[]) ?? [], users: (parsed.users as number[]) ?? [] };
    }
  }
  return { teams: [], users: [] };
}

/**
 * Validates the raw config of the bootstrap stack (keys without the namespace, values as the
 * strings Pulumi stores). Pure: no Pulumi runtime inside, so every message is unit-tested.
 */
export function validateBootstrapConfig(raw: Readonly<Record<string, string | undefined>>): BootstrapConfig {
  const problems: string[] = [];
  const str = (key: (typeof KEYS)[number], pattern: RegExp, rule: string, required = true): string => {
    const value = raw[key];
    if ((value === undefined && required) || (value !== undefined && !pattern.test(value))) {
      problems.push(problem(key, value, rule));
    }
    return value ?? "";
  };
  const bool = (key: "grantGraphPermissions" | "manageGithub"): boolean => {
    const value = raw[key];
    if (value !== undefined && value !== "true" && value !== "false") {
      problems.push(problem(key, value, RULES.boolean));
    }
    return value === "true";
  };

  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) problems.push(problem(key, raw[key], RULES.unknown));
  }

  const subscriptionId = str("subscriptionId", GUID, RULES.subscriptionId).toLowerCase();
  const tenantId = str("tenantId", GUID, RULES.tenantId).toLowerCase();
  const location = str("location", REGION, RULES.location);
  const githubOwner = str("githubOwner", GITHUB_OWNER, RULES.githubOwner);
  const githubRepo = str("githubRepo", GITHUB_REPO, RULES.githubRepo);
  const suffixRaw = str("nameSuffix", SUFFIX, RULES.nameSuffix, false);
  const nameSuffix = raw.nameSuffix !== undefined ? suffixRaw : defaultNameSuffix(subscriptionId);
  const grantGraphPermissions = bool("grantGraphPermissions");
  const manageGithub = bool("manageGithub");

  const resourceGroups = resourceGroupsOf(raw.resourceGroups, problems);

  let tags: Record<string, string> = {};
  const parsedTags = raw.tags === undefined ? undefined : parseJson(raw.tags);
  if (
    !isRecord(parsedTags) ||
    !Object.values(parsedTags).every((v) => typeof v === "string") ||
    typeof parsedTags.owner !== "string" ||
    parsedTags.owner.trim() === "" ||
    typeof parsedTags.costCenter !== "string" ||
    parsedTags.costCenter.trim() === ""
  ) {
    problems.push(problem("tags", raw.tags, RULES.tags));
  } else {
    tags = parsedTags as Record<string, string>;
  }

  const githubReviewers = githubReviewersOf(raw.githubReviewers, problems);
  const cicdHub = cicdHubOf(raw.cicdHub, (key, value, rule) => problems.push(problem(key, value, rule)));
  if (manageGithub && githubReviewers.teams.length + githubReviewers.users.length === 0) {
    if (!problems.some((p) => p.startsWith(`${NAMESPACE}:githubReviewers=`))) {
      problems.push(problem("githubReviewers", raw.githubReviewers, RULES.githubReviewersRequired));
    }
  }

  if (problems.length > 0) throw new BootstrapConfigError(problems);
  return {
    subscriptionId,
    tenantId,
    location,
    githubOwner,
    githubRepo,
    nameSuffix,
    resourceGroups,
    tags: { ...tags, "managed-by": "pulumi-bootstrap" },
    grantGraphPermissions,
    manageGithub,
    githubReviewers,
    ...(cicdHub === undefined ? {} : { cicdHub }),
  };
}

/** The one place that reads the bootstrap stack's config. */
export function readBootstrapConfig(): BootstrapConfig {
  const prefix = `${NAMESPACE}:`;
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  }
  return validateBootstrapConfig(raw);
}
