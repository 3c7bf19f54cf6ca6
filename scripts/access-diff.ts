import * as path from "path";
import { escapeText } from "../lib/text";
import { renderAccessDiff, stackOf } from "./offline/access-diff";
import type { PreviewJson } from "./offline/plan";
import { exitOnFailure, planFileArgs, UsageError } from "./offline/plan-commands";
import { readPlan } from "./offline/policy-check";

/**
 * `npm run access-diff -- <base.json> <head.json>`: the Markdown diff of access (role
 * assignments, app-role assignments, secret readers, network paths) between two offline plans of
 * one stack, on stdout (scripts/offline/access-diff.ts). Exit 0 with the diff, whether or not
 * anything changed; 2 on a wrong command line, a file that is not a plan, or plans of two stacks.
 */
const USAGE = "usage: npm run access-diff -- <base.json> <head.json>";

function main(argv: string[]): number {
  const files = planFileArgs(argv, USAGE);
  if (files === undefined) return 0;
  if (files.length !== 2) throw new UsageError(`expected two plan files (base, head), got ${files.length}`);
  const [base, head] = files.map((f) => readPlan(path.resolve(f)) as unknown as PreviewJson);
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
  exitOnFailure(e, USAGE);
}
