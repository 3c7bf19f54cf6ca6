import * as path from "path";
import { exitOnFailure, planFileArgs, UsageError } from "./offline/plan-commands";
import { checkPlan, formatViolation, readPlan } from "./offline/policy-check";
import { escapeText } from "../lib/text";

/**
 * `npm run policy -- plan/<stack>.json [more.json]`: the policy pack on offline plans
 * (scripts/offline/policy-check.ts). Prints one line per violation,
 * `<stack>: <policy>: <resource>: <what is wrong>`, and exits 1 when any mandatory policy is
 * violated, 2 on a wrong command line or a file that cannot be read as a plan (and on an internal
 * error, as npm run plan), 0 otherwise.
 */
const USAGE = "usage: npm run policy -- <plan.json> [more.json ...]";

const rel = (f: string) => escapeText(path.relative(process.cwd(), f) || f);

async function main(argv: string[]): Promise<number> {
  const files = planFileArgs(argv, USAGE);
  if (files === undefined) return 0;
  if (files.length === 0) throw new UsageError("name at least one plan file");
  const plans = files.map((f) => ({ file: f, plan: readPlan(path.resolve(f)) }));
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
  (e: unknown) => exitOnFailure(e, USAGE),
);
