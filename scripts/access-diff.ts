import * as path from "path";
import { escapeText } from "../lib/text";
import { renderAccessDiff, stackOf } from "./offline/access-diff";
import type { PreviewJson } from "./offline/plan";
import type { CommandIo } from "./offline/command-io";
import { failureCode, planFileArgs, UsageError } from "./offline/plan-commands";
import { readPlan } from "./offline/policy-check";

/**
 * `npm run access-diff -- <base.json> <head.json>`: the Markdown diff of access (role
 * assignments, app-role assignments, secret readers, network paths) between two offline plans of
 * one stack, on stdout (scripts/offline/access-diff.ts). Exit 0 with the diff, whether or not
 * anything changed; 2 on a wrong command line, a file that is not a plan, or plans of two stacks.
 * `main` is the command in this process: it writes to `io`, returns the exit code and never throws;
 * run as a script (below), the process exits with that code.
 */
const USAGE = "usage: npm run access-diff -- <base.json> <head.json>";

export async function main(argv: string[], io: CommandIo = process): Promise<number> {
  try {
    return run(argv, io);
  } catch (e) {
    return failureCode(e, USAGE, io);
  }
}

function run(argv: string[], io: CommandIo): number {
  const files = planFileArgs(argv, USAGE, io);
  if (files === undefined) return 0;
  if (files.length !== 2) throw new UsageError(`expected two plan files (base, head), got ${files.length}`);
  const [base, head] = files.map((f) => readPlan(path.resolve(f)) as unknown as PreviewJson);
  if (stackOf(base) !== stackOf(head))
    throw new UsageError(
      `the plans are of two stacks (${escapeText(stackOf(base))}, ${escapeText(stackOf(head))}); compare two plans of one stack`,
    );
  io.stdout.write(renderAccessDiff(base, head));
  return 0;
}

// run-ts.js loads the file with require (so require.main is run-ts.js) and sets argv[1] to it.
if (require.main === module || process.argv[1] === __filename)
  void main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => process.exit(failureCode(e, USAGE)),
  );
