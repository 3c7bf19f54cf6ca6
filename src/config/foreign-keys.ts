import { byCodePoint } from "../../lib/text";
import { levenshteinNearest, nearEnough, secretHint, showKey } from "./messages";
import { looksLikeSecretKey, looksLikeSecretValue, PROVIDER_CONFIG_KEYS, PROVIDERS } from "./namespaces";
import { KNOWN_KEYS } from "./schema";
import { NAMESPACE, RawConfig } from "./types";

/**
 * The keys outside the `engram:` namespace: each must be a setting of a provider this program
 * uses (or of the Pulumi engine); a key in the project's default namespace, a misspelt namespace or
 * no namespace at all would be silently ignored, so each is refused with the key it most likely
 * meant. Credentials are never plain text here either.
 */
export function foreignProblems(raw: RawConfig, env: string): string[] {
  const problems: string[] = [];
  const foreign = raw.foreign ?? { values: {}, secretKeys: [] };
  const engramHint = (name: string, how: string) => {
    const { best, distance } = levenshteinNearest(name, KNOWN_KEYS);
    return distance <= nearEnough(name)
      ? `did you mean ${NAMESPACE}:${best}? ${how.replace("<key>", best)}`
      : `this program's settings are ${NAMESPACE}:<key> (listed in README.md)`;
  };
  const namespaces = [NAMESPACE, ...Object.keys(PROVIDER_CONFIG_KEYS)];
  for (const fullKey of Object.keys(foreign.values).sort(byCodePoint)) {
    const value = foreign.values[fullKey];
    const key = showKey(fullKey);
    const colon = fullKey.indexOf(":");
    const ns = colon < 0 ? "" : fullKey.slice(0, colon);
    const name = colon < 0 ? fullKey : fullKey.slice(colon + 1);
    if (colon < 0 || ns === "" || name === "") {
      problems.push(
        `${key} is not a known setting: a config key is <namespace>:<name>, so this one is never read; ${engramHint(name || ns, `set it with \`pulumi config set ${NAMESPACE}:<key> <value>\``)}`,
      );
      continue;
    }
    if (ns === NAMESPACE) continue; // the caller's own keys
    if (ns === raw.project) {
      problems.push(
        `${key} is not a known setting: it is in the project's default namespace ${ns}, which this program does not read (\`pulumi config set\` without a namespace writes there); ${engramHint(name, `move it: \`pulumi config rm ${key}\`, then \`pulumi config set ${NAMESPACE}:<key> <value>\``)}`,
      );
      continue;
    }
    const providerKeys = PROVIDER_CONFIG_KEYS[ns];
    if (providerKeys === undefined) {
      const near = levenshteinNearest(ns, namespaces);
      problems.push(
        near.distance <= Math.min(2, Math.floor(ns.length / 3))
          ? `${key} is not a known setting: this program does not read namespace ${ns}; did you mean ${near.best}:${name}?`
          : `${key} is not a known setting: this program does not read namespace ${ns} (it reads ${NAMESPACE}, pulumi and the providers ${PROVIDERS.join(", ")}); remove it or fix its namespace`,
      );
      continue;
    }
    if (!providerKeys.includes(name)) {
      const near = levenshteinNearest(name, providerKeys);
      problems.push(
        `${key} is not a known setting of the ${ns} ${ns === "pulumi" ? "engine" : "provider"}: ${
          near.distance <= nearEnough(name)
            ? `did you mean ${ns}:${near.best}?`
            : "remove it or fix its spelling"
        }${providerKeys.length ? ` (its settings: ${providerKeys.join(", ")})` : " (it takes no settings)"}`,
      );
      continue;
    }
    const secret = foreign.secretKeys.includes(fullKey);
    if (!secret && value.trim() === "")
      problems.push(
        `${key} is empty in ${env}: an empty value is not a value; set one, or remove the key with \`pulumi config rm ${key}\``,
      );
    else if (!secret && (looksLikeSecretKey(name) || looksLikeSecretValue(value)))
      problems.push(`${key}=[plain text] is not allowed in ${env}: ${secretHint(key)}`);
  }
  return problems;
}
