import * as path from "path";
import { escapeText } from "../../lib/text";
import { HelpRequest, optionTokens, UsageError } from "../offline/plan-args";
import { ROOT } from "../offline/plan-config";
import { CHECKS } from "./checks";

/** The command line of `npm run validate` (scripts/validate.ts). */
export const USAGE =
  "usage: npm run validate -- --stack <name> [--outputs <outputs.json>] [--stack-file <Pulumi.<stack>.yaml>] [--report <file.json>] [--github-repo <owner/repo>] [--only <check,...>] [--strict]";

// A wrong command line (printed with the usage, exit code 2) and `--help` (the usage and every check,
// exit code 0): the same as `npm run plan`'s.
export { HelpRequest, UsageError };

export interface ValidateArgs {
  stack: string;
  /** Stack outputs as JSON (`pulumi stack output --json`); absent: the Pulumi CLI is asked. */
  outputsFile?: string;
  stackFile: string;
  reportFile: string;
  githubRepo?: string;
  only?: string[];
  strict: boolean;
}

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  strict: { type: "boolean" },
  stack: { type: "string" },
  outputs: { type: "string" },
  "stack-file": { type: "string" },
  report: { type: "string" },
  "github-repo": { type: "string" },
  only: { type: "string" },
} as const;

const STACK_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const q = (v: string) => escapeText(v);

/** The options given, each once; a flag's value is never another flag. */
function flags(argv: string[]): Map<string, string | true> {
  const seen = new Map<string, string | true>();
  for (const t of optionTokens(argv, OPTIONS)) {
    const flag = `--${t.name}`;
    if (seen.has(flag)) throw new UsageError(`${flag} is given twice`);
    if (OPTIONS[t.name as keyof typeof OPTIONS].type === "boolean") {
      if (t.value !== undefined) throw new UsageError(`${flag} takes no value`);
      seen.set(flag, true);
      continue;
    }
    if (!t.value || (!t.inlineValue && t.value.startsWith("--")))
      throw new UsageError(`${flag} needs a value`);
    seen.set(flag, t.value);
  }
  return seen;
}

export function parseValidateArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ValidateArgs {
  const seen = flags(argv);
  const str = (f: string) => seen.get(f) as string | undefined;
  const stack = str("--stack");
  if (stack === undefined)
    throw new UsageError("--stack <name> is required: the stack whose release is validated");
  if (!STACK_NAME.test(stack))
    throw new UsageError(`--stack ${q(stack.slice(0, 120))} is not a Pulumi stack name`);
  const report = str("--report") ?? path.join(ROOT, "build", `validate-${stack}.json`);
  if (!report.endsWith(".json")) throw new UsageError(`--report ${q(report)} must name a .json file`);
  const repo = str("--github-repo") ?? env.GITHUB_REPOSITORY;
  if (repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo))
    throw new UsageError(
      `${str("--github-repo") ? "--github-repo" : "GITHUB_REPOSITORY"} ${q(repo)} is not <owner>/<repo>`,
    );
  const only = str("--only")?.split(",");
  const unknown = only?.filter((id) => !CHECKS.some((c) => c.id === id)) ?? [];
  if (unknown.length)
    throw new UsageError(
      `--only names no check ${unknown.map(q).join(", ")}; the checks are ${CHECKS.map((c) => c.id).join(", ")}`,
    );
  return {
    stack,
    ...(str("--outputs") !== undefined ? { outputsFile: path.resolve(str("--outputs")!) } : {}),
    stackFile: path.resolve(str("--stack-file") ?? path.join(ROOT, `Pulumi.${stack}.yaml`)),
    reportFile: path.resolve(report),
    ...(repo ? { githubRepo: repo } : {}),
    ...(only ? { only } : {}),
    strict: seen.get("--strict") === true,
  };
}
