/**
 * Every rule of the stack's config. `validateConfig` is pure (strings in, a typed object or a list
 * of problems out), so every rule is tested without Pulumi and the plan command refuses a stack
 * without loading the SDK; `loadConfig` (src/load-config.ts, the only place that reads Pulumi's
 * config) feeds it from the Pulumi runtime and throws one `ConfigError` with every problem before
 * any resource exists.
 *
 * This file is the public entry; the rules live in src/config/: the vocabulary and typed results
 * (types.ts), the value schemas and the keys derived from them (schema.ts), the other namespaces
 * (namespaces.ts, foreign-keys.ts), the wording of every problem (messages.ts), the checks of each
 * key (checks.ts), the rules per environment (origins.ts, rules.ts) and their order (validate.ts).
 */

export type {
  AlertThresholds,
  AppRoleValue,
  EngramConfig,
  GroupKey,
  ImageService,
  RawConfig,
  SecretSettingKey,
  ValidatedConfig,
} from "./config/types";
export {
  APP_ROLE_GROUPS,
  APP_ROLE_VALUES,
  ConfigError,
  NAMESPACE,
  PLATFORM_GROUPS,
  SECRET_SETTINGS,
  SECRET_SETTING_KEYS,
  IMAGE_KEYS,
} from "./config/types";
export { KNOWN_KEYS } from "./config/schema";
export {
  foreignConfig,
  looksLikeSecretKey,
  looksLikeSecretValue,
  namespaceKeys,
  namespaceValues,
  PROVIDER_CONFIG_KEYS,
} from "./config/namespaces";
export { validateConfig } from "./config/validate";
