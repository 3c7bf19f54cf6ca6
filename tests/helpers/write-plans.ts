import { planStack } from "../../scripts/offline/plan";
import { renderReport } from "../../scripts/offline/report";
import { writeCommittedPlan } from "./plan-files";

/**
 * Plans committed stacks and writes each result (plan, validated config, report) for the tests:
 * `node scripts/run-ts.js tests/helpers/write-plans.ts <dir> <stack>...`. Run by
 * tests/global-setup.ts, in processes of its own (the SDK's state stays out of jest's).
 */
async function main(): Promise<void> {
  const [dir, ...stacks] = process.argv.slice(2);
  for (const stack of stacks) {
    const result = await planStack({ stack });
    writeCommittedPlan(dir, stack, { result, report: result.ok ? renderReport(result) : undefined });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
