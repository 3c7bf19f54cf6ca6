import { escapeText } from "../../lib/text";
import { CommandIo, internalError } from "./command-io";
import { PlanFileError } from "./policy-check";

/**
 * The command line and the failure of the commands that read plan files (`npm run policy`,
 * `npm run access-diff`): files only, `--help`/`-h` anywhere prints the usage, every failure is
 * one line and exit code 2.
 */

/** A wrong command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** The files the command line names; undefined when `--help` or `-h` asked for the usage (printed on stdout). */
export function planFileArgs(argv: string[], usage: string, io: CommandIo = process): string[] | undefined {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout.write(`${usage}\n`);
    return undefined;
  }
  const flag = argv.find((a) => a.startsWith("-"));
  if (flag) throw new UsageError(`unknown argument ${escapeText(flag)}`);
  return argv;
}

/** A failure of the command: its one line (the usage after a wrong command line); exit code 2. */
export function failureCode(e: unknown, usage: string, io: CommandIo = process): number {
  if (e instanceof UsageError) io.stderr.write(`${e.message}\n${usage}\n`);
  else if (e instanceof PlanFileError) io.stderr.write(`${e.message}\n`);
  // A bug of ours: one line, the stack only on request (as npm run plan).
  else return internalError(e, io);
  return 2;
}
