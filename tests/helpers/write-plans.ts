import { writeCommittedPlan } from "./plan-files";

/**
 * Plans committed stacks and writes each result (plan, validated config, report) for the tests:
 * `node scripts/run-ts.js tests/helpers/write-plans.ts <dir> <stack>...`. Run by
 * tests/global-setup.ts, in processes of its own (the SDK's state stays out of jest's). A stack whose
 * plan throws (the program, or loading it, is broken) is written as that error: each test that
 * reads the stack fails with it, and the rest of the suite still runs.
 */
async function main(): Promise<void> {
  const [dir, ...stacks] = process.argv.slice(2);
  for (const stack of stacks) {
    try {
      const [{ planStack }, { renderReport }] = await Promise.all([
        import("../../scripts/offline/plan"),
        import("../../scripts/offline/report"),
      ]);
      const result = await planStack({ stack });
      writeCommittedPlan(dir, stack, { result, report: result.ok ? renderReport(result) : undefined });
    } catch (e) {
      writeCommittedPlan(dir, stack, { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
