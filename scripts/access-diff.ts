import * as path from "path";
import { escapeText } from "../lib/text";
import { renderAccessDiff, stackOf } from "./offline/access-diff";
import type { PreviewJson } from "./offline/plan";
import { PlanFileError, readPlan } from "./offline/policy-check";

/**
 * `npm run access-diff -- <base.json> <head.json>`: the Markdown diff of access (role
 * assignments, app-role assignments, secret readers, network paths) between two offline plans of
 * one stack, on stdout (scripts/offline/access-diff.ts). Exit 0 with the diff, whether or not
 * anything changed; 2 on a wrong command line, a file that is not a plan, or plans of two stacks.
 */
const USAGE = "usage: npm run access-diff -- <base.json> <head.json>";

class UsageError extends Error {}

function main(argv: string[]): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const flag = argv.find((a) => a.startsWith("-"));
  if (flag) throw new UsageError(`unknown argument ${escapeText(flag)}`);
  if (argv.length !== 2) throw new UsageError(`expected two plan files (base, head), got ${argv.length}`);
  const [base, head] = argv.map((f) => readPlan(path.resolve(f)) as unknown as PreviewJson);
  if (stackOf(base) !== stackOf(head))
    throw new UsageError(
      `the plans are of two stacks (${escapeText(stackOf(base))}, ${escapeText(stackOf(head))}); compare two plans of one stack`,
    );
  process.stdout.write(renderAccessDiff(base, head));
  return 0;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (e) {
  if (e instanceof UsageError) process.stderr.write(`${e.message}\n${USAGE}\n`);
  else if (e instanceof PlanFileError) process.stderr.write(`${e.message}\n`);
  else {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`internal error: ${escapeText(message.split("\n")[0])}\n`);
    if (process.env.ENGRAM_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  }
  process.exit(2);
}
