import { escapeText } from "../../lib/text";
import { PlanFileError } from "./policy-check";

/**
 * The command line and the failure of the commands that read plan files (`npm run policy`,
 * `npm run access-diff`): files only, `--help`/`-h` anywhere prints the usage, every failure is
 * one line and exit code 2.
 */

/** A wrong command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** The files the command line names; undefined when `--help` or `-h` asked for the usage (printed on stdout). */
export function planFileArgs(argv: string[], usage: string): string[] | undefined {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usage}\n`);
    return undefined;
  }
  const flag = argv.find((a) => a.startsWith("-"));
  if (flag) throw new UsageError(`unknown argument ${escapeText(flag)}`);
  return argv;
}

/** Ends the command after a failure: its one line (the usage after a wrong command line), exit code 2. */
export function exitOnFailure(e: unknown, usage: string): never {
  if (e instanceof UsageError) process.stderr.write(`${e.message}\n${usage}\n`);
  else if (e instanceof PlanFileError) process.stderr.write(`${e.message}\n`);
  else {
    // A bug of ours: one line, the stack only on request (as npm run plan).
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`internal error: ${escapeText(message.split("\n")[0])}\n`);
    if (process.env.ENGRAM_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  }
  process.exit(2);
}
