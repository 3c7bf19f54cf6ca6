import * as fs from "fs";
import * as YAML from "yaml";

/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: every value a
 * string, objects and lists as JSON, `secure:` values marked secret. Encrypted values cannot be
 * decrypted offline; they are replaced by placeholders and reported.
 */
export interface StackFileConfig {
  /** Full keys (`engram:location`) to raw string values. */
  values: Record<string, string>;
  /** Full keys that are secret. */
  secretKeys: string[];
  /** Full keys whose encrypted value was replaced by a placeholder. */
  encrypted: string[];
}

const isSecure = (v: unknown): v is { secure: string } =>
  v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;

export function encryptedPlaceholder(key: string): string {
  return `offline-encrypted-value-of-${key.replace(/[^a-zA-Z0-9]/g, "-")}`;
}

export function parseStackFile(text: string, file = "stack file"): StackFileConfig {
  const doc = YAML.parse(text) ?? {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${file} is not a YAML mapping`);
  const config = (doc as { config?: unknown }).config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw new Error(`${file}: "config" is not a mapping`);
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  const encrypted: string[] = [];
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (isSecure(value)) {
      values[key] = encryptedPlaceholder(key);
      secretKeys.push(key);
      encrypted.push(key);
    } else if (value !== null && typeof value === "object") {
      values[key] = JSON.stringify(value);
    } else {
      values[key] = String(value);
    }
  }
  return { values, secretKeys, encrypted };
}

export function readStackFile(path: string): StackFileConfig {
  return parseStackFile(fs.readFileSync(path, "utf8"), path);
}
