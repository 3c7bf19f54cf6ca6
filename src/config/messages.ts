import { z } from "zod";
import { escapeText } from "../../lib/text";
import { looksLikeSecretKey, looksLikeSecretValue } from "./namespaces";
import { JSON_KEYS, KNOWN_KEYS, LIST_KEYS, schemaOf, schemas } from "./schema";
import { NAMESPACE, RawConfig } from "./types";

/**
 * How a problem is worded: one message per problem that names the key, the value, the environment
 * and the rule, with the command that fixes it; values held as secret never appear.
 */

/** How a value is shown in a message: scalars as they are, structures as JSON (escaped at the end). */
function show(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  // A pasted file must not flood the terminal: long values are cut, with their length.
  return text.length > 300 ? `${text.slice(0, 300)}... (${text.length} characters)` : text;
}

/** What a value is, for a type error: `the string "50"`, `the number 5`, `null`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return "an object";
  return `the ${typeof value} ${String(value)}`;
}

/** The type a schema expected, in words. Every number this program reads is a whole number. */
const EXPECTED: Record<string, string> = {
  number: "a whole number",
  int: "a whole number",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "an object",
};

export function notAllowed(key: string, value: unknown, env: string, rule: string): string {
  return `${NAMESPACE}:${key}=${show(value)} is not allowed in ${env}: ${rule}`;
}

/** The command that sets a key. Objects and lists need `--path`; without it Pulumi stores a plain string. */
export function setCommand(key: string, secret: boolean): string {
  if (secret) return `pulumi config set --secret ${NAMESPACE}:${key} <value>`;
  if (LIST_KEYS.has(key)) return `pulumi config set --path '${NAMESPACE}:${key}[0]' <value>`;
  const schema = schemaOf(key);
  if (schema instanceof z.ZodObject) {
    const fields = Object.keys(schema.shape);
    const field = fields.length === 1 ? fields[0] : `<${fields.join("|")}>`;
    return `pulumi config set --path ${NAMESPACE}:${key}.${field} <value>`;
  }
  return `pulumi config set${key.includes(".") ? " --path" : ""} ${NAMESPACE}:${key} <value>`;
}

export function missing(key: string, env: string, rule: string, secret = false): string {
  const how = setCommand(key, secret);
  return `${NAMESPACE}:${key} is missing in ${env}: ${rule}; set it with \`${how}\``;
}

/** How many edits still count as a typo of a key: about a third of its length, 1 to 3. */
export const nearEnough = (word: string) => Math.min(3, Math.max(1, Math.floor(word.length / 3)));

/** A key as a message shows it: quoted when blanks or other non-printable characters would hide in it. */
export const showKey = (key: string) => (/^[\x21-\x7e]+$/.test(key) ? key : JSON.stringify(key));

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

export function unknownKey(key: string, known: readonly string[] = KNOWN_KEYS): string {
  // `pulumi config set engram:network.addressSpace` without --path stores a flat key of that name.
  const head = key.split(/[.[]/)[0];
  if (known === KNOWN_KEYS && head !== key && JSON_KEYS.has(head))
    return `${NAMESPACE}:${key} is not a known setting: ${head} is an object or list; set its parts with \`pulumi config set --path ${NAMESPACE}:${key} <value>\` (without --path Pulumi stores a flat key)`;
  const best = [...known].sort(
    (x, y) =>
      levenshtein(key.toLowerCase(), x.toLowerCase()) - levenshtein(key.toLowerCase(), y.toLowerCase()),
  )[0];
  const hint =
    levenshtein(key.toLowerCase(), best.toLowerCase()) <= nearEnough(key)
      ? `did you mean ${NAMESPACE}:${best}?`
      : "remove it or fix its spelling";
  return `${showKey(`${NAMESPACE}:${key}`)} is not a known setting: ${hint} (known settings are listed in README.md)`;
}

export function zodProblems(key: string, value: unknown, env: string, error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    // List elements as `key[0]`, the form `pulumi config set --path` takes.
    const parts = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`));
    const path = key + parts.join("");
    const schema = (schemas as Record<string, z.ZodType>)[key];
    if (issue.code === "unrecognized_keys" && issue.path.length === 0 && schema instanceof z.ZodObject) {
      const fields = Object.keys(schema.shape).map((f) => `${key}.${f}`);
      return issue.keys.map((k) => unknownKey(`${key}.${k}`, fields));
    }
    let v: unknown = value;
    for (const p of issue.path)
      v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p as string] : undefined;
    if (v === undefined) return missing(path, env, issue.message);
    if (issue.code === "invalid_type") {
      // Say what was expected and what was given; the schema's own wording follows when it adds a shape.
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      const shape = issue.message.includes(" is an object") || issue.message.includes(" is a list");
      const rule = `expected ${expected}, got ${describeValue(v)}${shape ? ` (${issue.message})` : ""}`;
      return notAllowed(path, v, env, rule);
    }
    return notAllowed(path, v, env, issue.message);
  });
}

/**
 * A value Pulumi holds as secret never appears in a message, even when it was stored under a key
 * that expects plain config (its parts, for JSON values, are hidden too); nor does a plain value
 * that looks like a credential, or one held under a credential's key name in another namespace.
 * Then every message is escaped: a value can neither forge a second line nor reach a terminal's
 * escape sequences.
 */
export function redact(problems: string[], raw: RawConfig): string[] {
  const hidden = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === "string" || typeof v === "number") hidden.add(String(v));
    else if (v !== null && typeof v === "object") Object.values(v).forEach(collect);
  };
  const hide = (v: string | undefined) => {
    if (v === undefined) return;
    hidden.add(v);
    try {
      collect(JSON.parse(v));
    } catch {
      // not JSON: the raw string is all there is
    }
  };
  for (const k of raw.secretKeys) hide(raw.values[k]);
  for (const v of Object.values(raw.values)) if (looksLikeSecretValue(v)) hide(v);
  const foreign = raw.foreign ?? { values: {}, secretKeys: [] };
  for (const [k, v] of Object.entries(foreign.values))
    if (
      foreign.secretKeys.includes(k) ||
      looksLikeSecretKey(k.slice(k.indexOf(":") + 1)) ||
      looksLikeSecretValue(v)
    )
      hide(v);
  const secrets = [...hidden].filter((h) => h.trim().length >= 3).sort((a, b) => b.length - a.length);
  return problems.map((p) => escapeText(secrets.reduce((msg, h) => msg.split(h).join("[secret]"), p)));
}

export function levenshteinNearest(
  word: string,
  candidates: readonly string[],
): { best: string; distance: number } {
  let best = candidates[0] ?? "";
  let distance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < distance) [best, distance] = [c, d];
  }
  return { best, distance };
}

/** How to store a value as a secret (SOP 002), for the refusals of plain credentials. */
export const secretHint = (fullKey: string) =>
  `credentials are stored encrypted; set it with \`pulumi config set --secret ${fullKey} <value>\` (SOP 002: no secrets in plain text)`;
