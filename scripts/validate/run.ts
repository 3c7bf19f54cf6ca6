import * as fs from "fs";
import * as path from "path";
import { escapeText } from "../../lib/text";
import type { PlanFailure, PlanResult, planStack as PlanStack } from "../offline/plan";
import { readStackFile, StackFileError } from "../offline/stack-file";
import { ValidateArgs } from "./args";
import { CHECKS, runChecks } from "./checks";
import { CredentialTokens } from "./credential";
import { Expected, expectedFrom } from "./expected";
import {
  OutputsError,
  readOutputsFile,
  readOutputsFromPulumi,
  StackOutputs,
  subscriptionOf,
} from "./outputs";
import { reportOf, resultLine, summaryLine, summaryMarkdown, summaryOf } from "./report";
import { clients, endpoint, TokenSource } from "./rest";
import { APP_ROLES, AppRole, roleTokenVar } from "./routes";
import type { Context } from "./types";

/**
 * One validation run: the stack's outputs, the expectations from its own config (the offline plan),
 * every check, the lines on stdout and the JSON report. Returns the exit code: 0 when nothing
 * failed, 1 when a check failed (or, with --strict, was skipped). A run that cannot start throws
 * SetupError (exit code 2).
 */
export class SetupError extends Error {}

/** The expectations: the offline plan of the stack file, made in this process. */
async function expectations(args: ValidateArgs, outputs: StackOutputs): Promise<Expected> {
  let config;
  try {
    config = readStackFile(args.stackFile, path.relative(process.cwd(), args.stackFile) || args.stackFile);
  } catch (err) {
    const why =
      err instanceof StackFileError
        ? err.message
        : `cannot read it (${escapeText((err as Error).message.split("\n")[0])})`;
    throw new SetupError(`stack file ${escapeText(args.stackFile)}: ${why}`);
  }
  // Outputs of another environment are refused before the program loads (and again after planning).
  const fileEnvironment = config.values["engram:environment"];
  if (fileEnvironment !== undefined && fileEnvironment !== outputs.environment)
    throw new SetupError(
      `the outputs are of environment ${escapeText(outputs.environment)}, the stack file of ${escapeText(fileEnvironment)}`,
    );
  // The program and the SDK load only now: --help and a wrong command line answer at once.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { planStack } = require("../offline/plan") as { planStack: typeof PlanStack };
  const r: PlanResult | PlanFailure = await planStack({ stack: args.stack, config, isolate: false });
  if (!r.ok)
    throw new SetupError(
      `the config of stack ${escapeText(args.stack)} is refused, so nothing can be expected of it: ${r.problems.join("; ")}`,
    );
  if (r.config.environment !== outputs.environment)
    throw new SetupError(
      `the outputs are of environment ${escapeText(outputs.environment)}, the stack file of ${r.config.environment}`,
    );
  return expectedFrom(r.plan, r.config, subscriptionOf(outputs));
}

/** The run's context; endpoints and tokens from the environment (see README "Validating a release"). */
export function contextOf(
  outputs: StackOutputs,
  expected: Expected | undefined,
  tokens: TokenSource,
  env: NodeJS.ProcessEnv,
  githubRepo?: string,
): Context {
  const roleTokens: Partial<Record<AppRole, string>> = {};
  for (const r of APP_ROLES) if (env[roleTokenVar(r)]) roleTokens[r] = env[roleTokenVar(r)];
  const ctx: Omit<Context, "expected"> = {
    outputs,
    ...clients(tokens, env),
    loginUrl: endpoint("login", env),
    apiUrl: (env.ENGRAM_VALIDATE_API_URL || outputs.backendUrl).replace(/\/+$/, ""),
    webUrl: (env.ENGRAM_VALIDATE_WEB_URL || `https://${outputs.webHostname}`).replace(/\/+$/, ""),
    tokens,
    roleTokens,
    ...(env.ENGRAM_VALIDATE_API_TOKEN ? { apiToken: env.ENGRAM_VALIDATE_API_TOKEN } : {}),
    ...(githubRepo ? { githubRepo } : {}),
    memo: new Map(),
  };
  // Only a check marked usesPlan reads it, and the run planned the stack for it.
  return Object.defineProperty(ctx, "expected", {
    get: () => {
      if (!expected) throw new Error("this check needs the stack's plan but is not marked usesPlan");
      return expected;
    },
  }) as Context;
}

/** Writes the report: a temporary file beside it, then a rename (never half a report). */
function writeReport(file: string, report: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new SetupError(
      `cannot write the report ${escapeText(file)}: ${escapeText((err as Error).message.split("\n")[0])}`,
    );
  }
}

export async function validate(
  args: ValidateArgs,
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<number> {
  const startedAt = new Date().toISOString();
  let outputs: StackOutputs;
  try {
    outputs = args.outputsFile ? readOutputsFile(args.outputsFile) : readOutputsFromPulumi(args.stack);
  } catch (err) {
    if (err instanceof OutputsError) throw new SetupError(err.message);
    throw err;
  }
  const checks = args.only ? CHECKS.filter((c) => args.only!.includes(c.id)) : CHECKS;
  // Planning the stack costs the program and the SDK: only when a check compares with the plan.
  const expected = checks.some((c) => c.usesPlan) ? await expectations(args, outputs) : undefined;
  const ctx = contextOf(outputs, expected, new CredentialTokens(env), env, args.githubRepo);
  out(
    `validating stack ${escapeText(args.stack)} (${outputs.environment}${expected ? `, runtime ${expected.runtime}` : ""}) in ${escapeText(outputs.resourceGroupId)}`,
  );
  const results = await runChecks(ctx, checks);
  for (const r of results) out(resultLine(r));
  const report = reportOf(results, {
    stack: args.stack,
    outputs,
    expected,
    startedAt,
    finishedAt: new Date().toISOString(),
    strict: args.strict,
    env,
  });
  writeReport(args.reportFile, report);
  if (env.GITHUB_STEP_SUMMARY) {
    try {
      fs.appendFileSync(env.GITHUB_STEP_SUMMARY, summaryMarkdown(args.stack, results, args.strict));
    } catch (err) {
      // The report is the evidence; a summary that cannot be written does not change the verdict.
      out(`cannot write the job summary: ${escapeText((err as Error).message.split("\n")[0])}`);
    }
  }
  const s = summaryOf(results);
  out(summaryLine(args.stack, s, args.strict));
  out(`report: ${escapeText(path.relative(process.cwd(), args.reportFile) || args.reportFile)}`);
  return s.fail > 0 || (args.strict && s.skip > 0) ? 1 : 0;
}
