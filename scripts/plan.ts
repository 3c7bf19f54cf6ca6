import * as fs from "fs";
import * as path from "path";
import { planStack, ROOT } from "./offline/plan";
import { renderReport } from "./offline/report";
import { readStackFile, StackFileConfig } from "./offline/stack-file";

/**
 * `npm run plan -- [--stack <name>] [--out <file.json>] [--stack-file <Pulumi.x.yaml>]`
 * Writes plan/<stack>.json (shape of `pulumi preview --json`) and plan/<stack>.md. On a config
 * error: the problems on stderr, exit code 1, no file written. On a usage error: exit code 2.
 */
const USAGE =
  "usage: npm run plan -- [--stack <name>] [--out <file.json>] [--stack-file <Pulumi.<stack>.yaml>]";

/** A wrong command line: printed as a message with the usage, never as a stack trace. */
class UsageError extends Error {}

function parseArgs(argv: string[]): { stack: string; out?: string; stackFile?: string } {
  let stack = "dev";
  let out: string | undefined;
  let stackFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--stack") stack = next();
    else if (a.startsWith("--stack=")) stack = a.slice("--stack=".length);
    else if (a === "--out") out = next();
    else if (a.startsWith("--out=")) out = a.slice("--out=".length);
    // Another stack file than Pulumi.<stack>.yaml at the repository root (tests, other checkouts).
    else if (a === "--stack-file") stackFile = next();
    else if (a.startsWith("--stack-file=")) stackFile = a.slice("--stack-file=".length);
    else throw new UsageError(`unknown argument ${a}`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(stack)) throw new UsageError(`--stack ${stack} is not a stack name`);
  return { stack, out, stackFile };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const { stack, out } = args;
  const stackFile = path.resolve(args.stackFile ?? path.join(ROOT, `Pulumi.${stack}.yaml`));
  if (!fs.existsSync(stackFile)) {
    process.stderr.write(`no stack file ${stackFile}\n`);
    return 1;
  }
  let config: StackFileConfig;
  try {
    config = readStackFile(stackFile);
  } catch (err) {
    process.stderr.write(
      `stack ${stack}: cannot read ${stackFile}, no plan written: ${(err as Error).message}\n`,
    );
    return 1;
  }
  // One plan per process: it runs in the process's own Pulumi state, as under the Pulumi CLI.
  const result = await planStack({ stack, config, isolate: false });
  if (!result.ok) {
    process.stderr.write(
      `stack ${stack}: invalid configuration, no plan written:\n${result.problems.map((p) => `- ${p}`).join("\n")}\n`,
    );
    return 1;
  }
  const jsonFile = path.resolve(out ?? path.join(ROOT, "plan", `${stack}.json`));
  const mdFile = jsonFile.replace(/\.json$/, "") + ".md";
  fs.mkdirSync(path.dirname(jsonFile), { recursive: true });
  fs.writeFileSync(jsonFile, `${JSON.stringify(result.plan, null, 2)}\n`);
  fs.writeFileSync(mdFile, renderReport(result));
  const rel = (f: string) => path.relative(process.cwd(), f) || f;
  process.stdout.write(
    `stack ${stack} (${result.config.environment}): ${result.plan.steps.length} steps -> ${rel(jsonFile)}, ${rel(mdFile)}\n`,
  );
  for (const d of result.plan.diagnostics) process.stdout.write(`${d.prefix}${d.message}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
