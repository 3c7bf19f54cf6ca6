import * as path from "path";
import { checkPlan, formatViolation, PlanFileError, readPlan } from "./offline/policy-check";
import { escapeText } from "../lib/text";

/**
 * `npm run policy -- plan/<stack>.json [more.json]`: the policy pack on offline plans
 * (scripts/offline/policy-check.ts). Prints one line per violation,
 * `<stack>: <policy>: <resource>: <what is wrong>`, and exits 1 when any mandatory policy is
 * violated, 2 on a wrong command line or a file that cannot be read as a plan (and on an internal
 * error, as npm run plan), 0 otherwise.
 */
const USAGE = "usage: npm run policy -- <plan.json> [more.json ...]";

class UsageError extends Error {}

const rel = (f: string) => escapeText(path.relative(process.cwd(), f) || f);

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const flag = argv.find((a) => a.startsWith("-"));
  if (flag) throw new UsageError(`unknown argument ${escapeText(flag)}`);
  if (argv.length === 0) throw new UsageError("name at least one plan file");
  const plans = argv.map((f) => ({ file: f, plan: readPlan(path.resolve(f)) }));
  let mandatory = 0;
  for (const { file, plan } of plans) {
    const violations = await checkPlan(plan, path.resolve(file));
    for (const v of violations) process.stdout.write(`${formatViolation(v)}\n`);
    mandatory += violations.filter((v) => v.enforcementLevel === "mandatory").length;
    if (violations.length === 0)
      process.stdout.write(`${rel(path.resolve(file))}: ${plan.steps.length} steps, no policy violations\n`);
  }
  return mandatory > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) process.stderr.write(`${e.message}\n${USAGE}\n`);
    else if (e instanceof PlanFileError) process.stderr.write(`${e.message}\n`);
    else {
      // A bug of ours: one line, the stack only on request (as npm run plan).
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(`internal error: ${escapeText(message.split("\n")[0])}\n`);
      if (process.env.ENGRAM_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    }
    process.exit(2);
  },
);
