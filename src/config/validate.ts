import { defaultNameSuffix } from "../../lib/naming";
import { decide, FIXED, isEnvironment } from "../matrix";
import {
  checkSecrets,
  dropUnknownKeys,
  environmentProblem,
  Overrides,
  parsePlainKeys,
  parseSettings,
  refuseEmpty,
  refusePlainCredentials,
  refuseStructures,
  Working,
} from "./checks";
import { checkAksNetwork } from "./aks";
import { foreignProblems } from "./foreign-keys";
import { redact } from "./messages";
import { checkDevOrigins, checkFrontendOrigins, devOriginsOf } from "./origins";
import {
  checkAlertEmails,
  checkAllowlist,
  checkAppRoles,
  checkGroups,
  checkImages,
  checkProviderLocation,
  parseRegistry,
} from "./rules";
import { Parsed } from "./schema";
import {
  AlertThresholds,
  AppRoleValue,
  DEFAULT_THRESHOLDS,
  GroupKey,
  ImageService,
  RawConfig,
  SecretSettingKey,
  ValidatedConfig,
} from "./types";

/**
 * Validates raw config against the schemas and the matrix. Pure; collects every problem.
 */
export function validateConfig(
  raw: RawConfig,
): { ok: true; config: ValidatedConfig } | { ok: false; problems: string[] } {
  // The working copy: empty values and plain credentials are refused once, then left out of the
  // checks that follow (which would only repeat the refusal, or quote the value).
  const values = { ...raw.values };
  const problems = dropUnknownKeys(values);

  const envRaw = values.environment;
  if (envRaw === undefined || !isEnvironment(envRaw)) {
    const stackContext = `stack ${raw.stack}`;
    problems.unshift(environmentProblem(envRaw, stackContext));
    problems.push(...foreignProblems(raw, stackContext));
    return { ok: false, problems: redact(problems, raw) };
  }
  const w: Working = { raw, env: envRaw, fixed: FIXED[envRaw], values, empty: new Set(), problems };

  refuseEmpty(w);
  refuseStructures(w);
  refusePlainCredentials(w);
  problems.push(...foreignProblems(raw, w.env));
  const parsed = parsePlainKeys(w);
  checkProviderLocation(w, parsed);
  const overrides = parseSettings(w);
  const secretsPresent = checkSecrets(w);

  // Rules that combine a value with the environment.
  checkFrontendOrigins(w, parsed);
  checkDevOrigins(w, parsed);
  checkAllowlist(w, parsed);
  checkImages(w, parsed);
  const registry = parseRegistry(w, parsed);
  checkGroups(w, parsed, overrides);
  checkAlertEmails(w, parsed);
  checkAppRoles(w, parsed);
  checkAksNetwork(w, parsed, overrides);

  if (problems.length > 0) return { ok: false, problems: redact(problems, raw) };
  return { ok: true, config: validated(w, parsed, overrides, registry, secretsPresent) };
}

/** The typed config of a stack that passed every check, with the defaults filled in. */
function validated(
  w: Working,
  parsed: Parsed,
  overrides: Overrides,
  registry: ValidatedConfig["registry"],
  secretsPresent: SecretSettingKey[],
): ValidatedConfig {
  const { raw, env, fixed } = w;
  const thresholds = (parsed.alertThresholds as Partial<AlertThresholds> | undefined) ?? {};
  return {
    project: raw.project,
    stack: raw.stack,
    environment: env,
    location: parsed.location as string,
    nameSuffix: (parsed.nameSuffix as string | undefined) ?? defaultNameSuffix(raw.project, raw.stack),
    network: parsed.network as { addressSpace: string },
    tags: parsed.tags as { owner: string; costCenter: string },
    frontendOrigins: (parsed.frontendOrigins as string[] | undefined) ?? [],
    devOrigins: fixed.localhostOrigins ? [...new Set(devOriginsOf(w, parsed))] : [],
    adminIpAllowlist: (parsed.adminIpAllowlist as string[] | undefined) ?? [],
    images: parsed.images as Record<ImageService, string>,
    registry,
    ...(parsed.ddosProtectionPlanId !== undefined
      ? { ddosProtectionPlanId: parsed.ddosProtectionPlanId as string }
      : {}),
    ...(parsed.cicdHub !== undefined
      ? { cicdHub: parsed.cicdHub as { vnetId: string; addressSpace: string } }
      : {}),
    groups: (parsed.groups as Partial<Record<GroupKey, string>> | undefined) ?? {},
    ai: parsed.ai as { accountId: string; endpoint: string },
    alertEmails: (parsed.alertEmails as string[] | undefined) ?? [],
    alertThresholds: { ...DEFAULT_THRESHOLDS, ...thresholds },
    signInAlerts: (parsed.signInAlerts as boolean | undefined) ?? false,
    retiredAppRoles: (parsed.retiredAppRoles as AppRoleValue[] | undefined) ?? [],
    removedAppRoles: (parsed.removedAppRoles as AppRoleValue[] | undefined) ?? [],
    decisions: decide(env, overrides),
    fixed,
    secretsPresent,
  };
}
