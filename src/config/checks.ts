import { byCodePoint } from "../../lib/text";
import {
  ENVIRONMENTS,
  Environment,
  FixedDecisions,
  Setting,
  SettingValue,
  SETTINGS,
  SETTING_KEYS,
  SettingKey,
  refusalOf,
} from "../matrix";
import {
  describeValue,
  missing,
  notAllowed,
  secretHint,
  setCommand,
  unknownKey,
  zodProblems,
} from "./messages";
import { looksLikeSecretValue } from "./namespaces";
import { JSON_KEYS, KNOWN_KEYS, LIST_KEYS, Parsed, PlainKey, REQUIRED, schemas } from "./schema";
import { NAMESPACE, RawConfig, SECRET_SETTINGS, SECRET_SETTING_KEYS, SecretSettingKey } from "./types";

/**
 * The checks of each key on its own, in the order validateConfig runs them: known keys, the
 * environment, empty values, structures where a single value belongs, plain credentials, the plain
 * keys' schemas, the matrix settings and the secrets.
 */

/**
 * One validation under way. `values` is the working copy: empty values and plain credentials are
 * refused once, then left out of it (and noted in `empty`), so the checks that follow neither repeat
 * the refusal nor quote the value.
 */
export interface Working {
  raw: RawConfig;
  env: Environment;
  fixed: FixedDecisions;
  values: Record<string, string>;
  empty: Set<string>;
  problems: string[];
}

/** The matrix settings a stack overrides, with their parsed values. */
export type Overrides = Partial<Record<SettingKey, SettingValue>>;

/** Refuses every key this program does not read, and leaves it out of the working copy. */
export function dropUnknownKeys(values: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(values).sort(byCodePoint)) {
    if (!KNOWN_KEYS.includes(key)) {
      problems.push(unknownKey(key));
      delete values[key];
    }
  }
  return problems;
}

/** The refusal of an environment that is missing, empty or not one of ENVIRONMENTS. */
export function environmentProblem(envRaw: string | undefined, stackContext: string): string {
  return envRaw === undefined
    ? missing("environment", stackContext, REQUIRED.environment)
    : envRaw.trim() === ""
      ? `${NAMESPACE}:environment is empty in ${stackContext}: ${REQUIRED.environment}; set it with \`${setCommand("environment", false)}\``
      : notAllowed("environment", envRaw, stackContext, `must be one of ${ENVIRONMENTS.join(", ")}`);
}

/**
 * Empty is not a value: `location:` left empty, `nameSuffix: ~`, or "" never fall back to a
 * default or reach Azure as "null".
 */
export function refuseEmpty(w: Working): void {
  const { values, env } = w;
  for (const key of Object.keys(values).sort(byCodePoint)) {
    const v = values[key];
    if (v.trim() !== "" && v !== "null") continue;
    if (
      v === "null" &&
      JSON_KEYS.has(key) === false &&
      !SECRET_SETTING_KEYS.includes(key as SecretSettingKey)
    )
      continue; // the text "null" in a plain key is checked by its own rule
    w.empty.add(key);
    delete values[key];
    const secret = SECRET_SETTING_KEYS.includes(key as SecretSettingKey);
    const required = REQUIRED[key] ?? (secret ? SECRET_SETTINGS[key as SecretSettingKey].required : false);
    w.problems.push(
      required
        ? `${NAMESPACE}:${key} is empty in ${env}: ${typeof required === "string" ? required : `${SECRET_SETTINGS[key as SecretSettingKey].what} is required`}; set it with \`${setCommand(key, secret)}\``
        : `${NAMESPACE}:${key} is empty in ${env}: an empty value is not a value; set one, or remove the key with \`pulumi config rm ${NAMESPACE}:${key}\` to use the default`,
    );
  }
}

/** A list or an object where a single value belongs (Pulumi hands structures over as JSON). */
export function refuseStructures(w: Working): void {
  const { values, env } = w;
  for (const key of Object.keys(values).sort(byCodePoint)) {
    if (JSON_KEYS.has(key) || !/^\s*[[{]/.test(values[key])) continue;
    let structure: unknown;
    try {
      structure = JSON.parse(values[key]);
    } catch {
      continue; // text that merely starts with a bracket: its own rule judges it
    }
    if (structure === null || typeof structure !== "object") continue;
    const setting = (SETTINGS as Record<string, Setting>)[key];
    const expected = !setting
      ? "a single value"
      : setting.kind === "boolean"
        ? "true or false"
        : setting.kind === "choice"
          ? `one of ${setting.choices.map((c) => `"${c}"`).join(", ")}`
          : `a whole number of ${setting.unit}`;
    w.problems.push(
      notAllowed(key, values[key], env, `expected ${expected}, got ${describeValue(structure)}`),
    );
    delete values[key];
    w.empty.add(key);
  }
}

/** A credential in plain text under a setting that is not a secret (SOP 002); never quoted. */
export function refusePlainCredentials(w: Working): void {
  const { values, env } = w;
  for (const key of Object.keys(values).sort(byCodePoint)) {
    if (SECRET_SETTING_KEYS.includes(key as SecretSettingKey) || w.raw.secretKeys.includes(key)) continue;
    if (!looksLikeSecretValue(values[key])) continue;
    delete values[key];
    w.empty.add(key);
    w.problems.push(
      `${NAMESPACE}:${key}=[plain text] is not allowed in ${env}: the value looks like a credential (a private key, a token or a connection string with a key); ${NAMESPACE}:${key} is not a secret setting, and ${secretHint(`${NAMESPACE}:<secret setting>`)}`,
    );
  }
}

/** Parses a raw config string as Pulumi stores it. */
function parseRaw(key: string, raw: string): { ok: true; value: unknown } | { ok: false } {
  if (!JSON_KEYS.has(key)) return { ok: true, value: raw };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

/** The plain keys: each parsed and checked against its schema; a required one refused when missing. */
export function parsePlainKeys(w: Working): Parsed {
  const { values, env, problems } = w;
  const parsed: Parsed = {};
  for (const key of Object.keys(schemas) as PlainKey[]) {
    const rawValue = values[key];
    if (rawValue === undefined) {
      if (REQUIRED[key] && !w.empty.has(key)) problems.push(missing(key, env, REQUIRED[key]));
      continue;
    }
    const p = parseRaw(key, rawValue);
    if (!p.ok) {
      // Pulumi stores objects and lists as JSON; a plain string here was set without --path.
      const expected = LIST_KEYS.has(key) ? "a list" : "an object";
      problems.push(
        notAllowed(
          key,
          rawValue,
          env,
          /^\s*[[{]/.test(rawValue)
            ? `the value is not valid JSON (${expected}; objects and lists are JSON in Pulumi config)`
            : `expected ${expected}, got the string ${JSON.stringify(rawValue)}; set it with \`${setCommand(key, false)}\``,
        ),
      );
      continue;
    }
    const r = schemas[key].safeParse(p.value);
    if (!r.success) problems.push(...zodProblems(key, p.value, env, r.error));
    else parsed[key] = r.data;
  }
  return parsed;
}

/** The matrix settings: each parsed as its kind, then refused where the matrix refuses its value. */
export function parseSettings(w: Working): Overrides {
  const { values, env, problems } = w;
  const overrides: Overrides = {};
  for (const key of SETTING_KEYS) {
    const rawValue = values[key];
    if (rawValue === undefined) continue;
    const setting = SETTINGS[key];
    let value: SettingValue;
    if (setting.kind === "choice") {
      if (!(setting.choices as readonly string[]).includes(rawValue)) {
        problems.push(
          notAllowed(
            key,
            rawValue,
            env,
            `the value is one of ${setting.choices.map((c) => `"${c}"`).join(", ")}`,
          ),
        );
        continue;
      }
      value = rawValue;
    } else if (setting.kind === "boolean") {
      if (rawValue !== "true" && rawValue !== "false") {
        problems.push(notAllowed(key, rawValue, env, "the value is true or false"));
        continue;
      }
      value = rawValue === "true";
    } else {
      value = Number(rawValue);
      // Decimal only: Number() would also take "0x10", "1e2" or "Infinity".
      if (!/^-?\d+(\.\d+)?$/.test(rawValue)) {
        problems.push(notAllowed(key, rawValue, env, `the value is a number of ${setting.unit}`));
        continue;
      }
    }
    const rule = refusalOf(key, value, env);
    if (rule) problems.push(notAllowed(key, value, env, rule));
    else overrides[key] = value;
  }
  return overrides;
}

/** Secrets: present, and stored as secrets. Values are never read here. Returns the ones set. */
export function checkSecrets(w: Working): SecretSettingKey[] {
  const { values, env, problems } = w;
  const secretsPresent: SecretSettingKey[] = [];
  for (const key of SECRET_SETTING_KEYS) {
    const spec = SECRET_SETTINGS[key];
    if (values[key] === undefined) {
      if (spec.required && !w.empty.has(key))
        problems.push(
          missing(key, env, `${spec.what} is required (SOP 002, Key Vault secret ${spec.vaultSecret})`, true),
        );
      continue;
    }
    if (!w.raw.secretKeys.includes(key)) {
      problems.push(
        notAllowed(
          key,
          "[plain text]",
          env,
          `secret settings are stored encrypted; set it with \`pulumi config set --secret ${NAMESPACE}:${key} <value>\` (SOP 002: no secrets in plain text)`,
        ),
      );
      continue;
    }
    secretsPresent.push(key);
  }
  return secretsPresent;
}
