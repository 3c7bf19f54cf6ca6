import * as path from "path";
import { parseArgs, ParseArgsConfig } from "util";
import { escapeText } from "../../lib/text";
import { ENVIRONMENTS } from "../../src/matrix";
import { ROOT } from "./plan-config";

/** The command line of `npm run plan` (scripts/plan.ts): which stacks to plan, and where each plan goes. */
export const USAGE =
  "usage: npm run plan -- [--stack <name>] [--out <file.json>] [--stack-file <Pulumi.<stack>.yaml>] | --all [--out-dir <dir>]";

/** Pulumi's own rule for a stack name (its backends refuse anything else). */
const STACK_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** A wrong command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}
/** `--help`: the usage on stdout, exit code 0. */
export class HelpRequest extends Error {}

/** One stack to plan: its name, its stack file, and where the JSON goes (the report beside it). */
export interface Target {
  stack: string;
  stackFile: string;
  jsonFile: string;
}

const q = (v: string) => escapeText(v);

/** The options, for `node:util` parseArgs (which here only splits the command line into tokens). */
const OPTIONS = {
  all: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  stack: { type: "string" },
  out: { type: "string" },
  "stack-file": { type: "string" },
  "out-dir": { type: "string" },
} as const;

/** One option of a command line, as given. */
export interface OptionToken {
  name: string;
  raw: string;
  value?: string;
  inlineValue?: boolean;
}

/**
 * The options of a command line, in the order they come, so the first wrong one is the one named
 * (UsageError); `--help`/`-h` throws HelpRequest. The tokens are parseArgs', the messages ours: in
 * its strict mode it would answer with its own (multi-line) errors and quietly keep the last of a
 * repeated option. Shared by `npm run plan` and `npm run validate` (scripts/validate/args.ts).
 */
export function optionTokens(argv: string[], options: ParseArgsConfig["options"]): OptionToken[] {
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  return tokens.map((t) => {
    const raw = argv[t.index];
    // parseArgs reads `-hx` as -h -x and `--` as the end of the options; here each is one unknown argument.
    if (
      t.kind !== "option" ||
      (!raw.startsWith("--") && raw !== "-h") ||
      !Object.keys(options ?? {}).includes(t.name)
    )
      throw new UsageError(`unknown argument ${q(raw)}`);
    if (t.name === "help") throw new HelpRequest();
    return { name: t.name, raw, value: t.value, inlineValue: t.inlineValue };
  });
}

/** The flags given, each once (optionTokens checks them in order). */
function readFlags(argv: string[]): { all: boolean; seen: Map<string, string> } {
  const seen = new Map<string, string>();
  let all = false;
  for (const t of optionTokens(argv, OPTIONS)) {
    const flag = `--${t.name}`;
    if (t.name === "all") {
      if (t.value !== undefined) throw new UsageError("--all takes no value");
      if (all) throw new UsageError("--all is given twice");
      all = true;
      continue;
    }
    // A value is the next argument unless that is a flag (`--stack --out x`), or follows `=`.
    if (!t.value || (!t.inlineValue && t.value.startsWith("--")))
      throw new UsageError(`${flag} needs a value`);
    if (seen.has(flag)) throw new UsageError(`${flag} is given twice`);
    seen.set(flag, t.value);
  }
  return { all, seen };
}

/** The stacks the command line names, each with its files; throws UsageError, or HelpRequest for --help. */
export function parsePlanArgs(argv: string[]): Target[] {
  const { all, seen } = readFlags(argv);

  const outDir = seen.get("--out-dir");
  if (all) {
    for (const f of ["--stack", "--out", "--stack-file"])
      if (seen.has(f))
        throw new UsageError(`--all plans every committed stack; ${f} cannot be combined with it`);
    return ENVIRONMENTS.map((stack) => ({
      stack,
      stackFile: path.join(ROOT, `Pulumi.${stack}.yaml`),
      jsonFile: path.resolve(outDir ?? path.join(ROOT, "plan"), `${stack}.json`),
    }));
  }

  const file = seen.get("--stack-file");
  let stack = seen.get("--stack");
  if (stack === undefined && file !== undefined) {
    // `--stack-file Pulumi.prod.yaml` plans stack prod, never the default dev.
    const m = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file));
    if (!m)
      throw new UsageError(
        `--stack-file ${q(file)} is not named Pulumi.<stack>.yaml, so it does not say which stack it is; add --stack <name>`,
      );
    stack = m[1];
  }
  const fromFile = !seen.has("--stack") && file !== undefined;
  stack ??= "dev";
  if (!STACK_NAME.test(stack)) {
    const shown = q(stack.length > 120 ? `${stack.slice(0, 120)}...` : stack);
    throw new UsageError(
      `${fromFile ? `--stack-file ${q(file)} names the stack ${shown}, which` : `--stack ${shown}`} is not a stack name: Pulumi stack names are 1-100 letters, digits, hyphens, underscores and periods${fromFile ? "; add --stack <name>" : ""}`,
    );
  }

  const out = seen.get("--out");
  if (out !== undefined && outDir !== undefined)
    throw new UsageError("--out names the file and --out-dir the folder; give one of them");
  if (out !== undefined && !out.endsWith(".json"))
    throw new UsageError(`--out ${q(out)} must name a .json file (the report is written beside it as .md)`);
  return [
    {
      stack,
      stackFile: path.resolve(file ?? path.join(ROOT, `Pulumi.${stack}.yaml`)),
      jsonFile: path.resolve(out ?? path.join(outDir ?? path.join(ROOT, "plan"), `${stack}.json`)),
    },
  ];
}
