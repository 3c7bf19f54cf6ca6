import * as path from "path";
import type { CommandIo } from "./offline/command-io";
import { failureCode, planFileArgs, UsageError } from "./offline/plan-commands";
import { checkPlan, formatViolation, readPlan } from "./offline/policy-check";
import { escapeText } from "../lib/text";

/**
 * `npm run policy -- plan/<stack>.json [more.json]`: the policy pack on offline plans
 * (scripts/offline/policy-check.ts). Prints one line per violation,
 * `<stack>: <policy>: <resource>: <what is wrong>`, and exits 1 when any mandatory policy is
 * violated, 2 on a wrong command line or a file that cannot be read as a plan (and on an internal
 * error, as npm run plan), 0 otherwise. `main` is the command in this process: it writes to `io`,
 * returns the exit code and never throws; run as a script (below), the process exits with that code.
 */
const USAGE = "usage: npm run policy -- <plan.json> [more.json ...]";

const rel = (f: string) => escapeText(path.relative(process.cwd(), f) || f);

export async function main(argv: string[], io: CommandIo = process): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    return failureCode(e, USAGE, io);
  }
}

async function run(argv: string[], io: CommandIo): Promise<number> {
  const files = planFileArgs(argv, USAGE, io);
  if (files === undefined) return 0;
  if (files.length === 0) throw new UsageError("name at least one plan file");
  const plans = files.map((f) => ({ file: f, plan: readPlan(path.resolve(f)) }));
  let mandatory = 0;
  for (const { file, plan } of plans) {
    const violations = await checkPlan(plan, path.resolve(file));
    for (const v of violations) io.stdout.write(`${formatViolation(v)}\n`);
    mandatory += violations.filter((v) => v.enforcementLevel === "mandatory").length;
    if (violations.length === 0)
      io.stdout.write(`${rel(path.resolve(file))}: ${plan.steps.length} steps, no policy violations\n`);
  }
  return mandatory > 0 ? 1 : 0;
}

// run-ts.js loads the file with require (so require.main is run-ts.js) and sets argv[1] to it.
if (require.main === module || process.argv[1] === __filename)
  void main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => process.exit(failureCode(e, USAGE)),
  );
