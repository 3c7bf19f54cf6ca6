import * as fs from "fs";
import * as YAML from "yaml";
import { escapeText } from "../../lib/text";

/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: every value a
 * string, objects and lists as JSON, `secure:` values marked secret. Encrypted values cannot be
 * decrypted offline; they are replaced by placeholders and reported.
 *
 * YAML as Pulumi's own reader takes it: anchors, aliases and merge keys (`<<: *base`) are resolved
 * (Pulumi's Go reader merges them too), duplicate keys are an error. What could be read two ways is
 * refused instead of guessed: numbers written in forms YAML readers disagree on (`0x10`, `0123`,
 * `1e3`, `.inf`, `1.50`), custom tags, several documents. A problem is reported by its position and
 * key, never by quoting the line: the line may hold a secret.
 */
export interface StackFileConfig {
  /** Full keys (`engram:location`) to raw string values; an empty or null value is "". */
  values: Record<string, string>;
  /** Full keys that are secret. */
  secretKeys: string[];
  /** Full keys whose encrypted value was replaced by a placeholder. */
  encrypted: string[];
}

/** A stack file that cannot be read as one: a config problem (exit code 1), never an I/O one. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

/** The top-level keys of a Pulumi stack file. */
const TOP_LEVEL = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

const isSecure = (v: unknown): v is { secure: unknown } =>
  v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;

export function encryptedPlaceholder(key: string): string {
  return `offline-encrypted-value-of-${key.replace(/[^a-zA-Z0-9]/g, "-")}`;
}

/** What a YAML error code means, in words; the library's own message quotes the line. */
const YAML_ERRORS: Record<string, string> = {
  DUPLICATE_KEY: "a key is given twice",
  BAD_INDENT: "the indentation is wrong or a bracket is not closed",
  MISSING_CHAR: "a closing quote or bracket is missing",
  BAD_DQ_ESCAPE: "a double-quoted string has an invalid escape",
  BAD_SCALAR_START: "a value starts with a reserved character; put it in quotes",
  BLOCK_AS_IMPLICIT_KEY: "a block value is used as a key",
  MULTILINE_IMPLICIT_KEY: "a key spans several lines",
  TAB_AS_INDENT: "a tab is used for indentation",
  MULTIPLE_DOCS: "the file holds several YAML documents; a stack file is one",
  BAD_ALIAS: "an alias is malformed",
  UNEXPECTED_TOKEN: "unexpected characters",
  TAG_RESOLVE_FAILED: "a custom tag (!...) is not supported in a stack file",
  KEY_OVER_1024_CHARS: "a key is longer than 1024 characters",
  NON_STRING_KEY: "a key is not a string",
};

function where(file: string, code: string, pos?: { line: number; col: number }): string {
  const reason = YAML_ERRORS[code] ?? `YAML error ${code.toLowerCase().replace(/_/g, " ")}`;
  return `${escapeText(file)} is not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ""}: ${reason}`;
}

export function parseStackFile(text: string, file = "stack file"): StackFileConfig {
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, {
    merge: true,
    prettyErrors: false,
    lineCounter: lines,
    uniqueKeys: true,
  });
  const problem = [...doc.errors, ...doc.warnings][0];
  if (problem) {
    const pos = lines.linePos(problem.pos[0]);
    throw new StackFileError(where(file, problem.code, pos));
  }
  // Numbers must read the same in every YAML reader: a YAML 1.1 reader takes `0123` as octal 83, a
  // YAML 1.2 reader (this one) as 123, and Pulumi's Go reader need not agree with either on `0x10`,
  // `1e3` or `1.50`. Plain decimal numbers only; anything else is refused with its position.
  let oddNumber: { pos: string } | undefined;
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (oddNumber || node.type !== "PLAIN" || typeof node.value !== "number") return;
      const source = (node as { source?: string }).source ?? "";
      if (String(node.value) !== source || !/^-?\d+(\.\d+)?$/.test(source)) {
        const at = node.range ? lines.linePos(node.range[0]) : undefined;
        oddNumber = { pos: at ? ` at line ${at.line}, column ${at.col}` : "" };
      }
    },
  });
  if (oddNumber)
    throw new StackFileError(
      `${escapeText(file)}${oddNumber.pos}: a number is written in a form YAML readers disagree on (hex, octal, leading or trailing zeros, an exponent, infinity); write it in plain decimal, or in quotes if it is text`,
    );

  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch {
    // Aliases that expand beyond any sane stack file (a "billion laughs" document).
    throw new StackFileError(`${escapeText(file)}: aliases expand to too many values; write the values out`);
  }
  if (typeof root !== "object" || root === null || Array.isArray(root))
    throw new StackFileError(
      `${escapeText(file)} is not a YAML mapping (a stack file has a config: section)`,
    );
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL.includes(key))
      throw new StackFileError(
        `${escapeText(file)}: unknown top-level key "${escapeText(key)}"; a stack file has ${TOP_LEVEL.join(", ")}`,
      );
  }
  if ((root as { environment?: unknown }).environment !== undefined)
    throw new StackFileError(
      `${escapeText(file)}: "environment" imports Pulumi ESC environments, which cannot be resolved offline; the offline plan would not see their values`,
    );
  const config = (root as { config?: unknown }).config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw new StackFileError(`${escapeText(file)}: "config" is not a mapping of keys to values`);

  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  const encrypted: string[] = [];
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    let secret = false;
    // A `secure:` value, at the top or nested in an object or list, makes the whole key secret.
    const unwrap = (v: unknown): unknown => {
      if (isSecure(v)) {
        if (typeof v.secure !== "string" || v.secure === "")
          throw new StackFileError(
            `${escapeText(file)}: ${escapeText(key)} has a "secure:" value that is not a ciphertext string`,
          );
        secret = true;
        return encryptedPlaceholder(key);
      }
      if (Array.isArray(v)) return v.map(unwrap);
      if (v !== null && typeof v === "object")
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
      return v;
    };
    const plain = unwrap(value);
    if (plain === null || plain === undefined) values[key] = "";
    else if (typeof plain === "object") values[key] = JSON.stringify(plain);
    else values[key] = String(plain);
    if (secret) {
      secretKeys.push(key);
      encrypted.push(key);
    }
  }
  return { values, secretKeys, encrypted };
}

/** Reads a stack file; `label` is how messages name it (default: the path as given). */
export function readStackFile(path: string, label = path): StackFileConfig {
  return parseStackFile(fs.readFileSync(path, "utf8"), label);
}
