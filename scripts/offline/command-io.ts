import { escapeText } from "../../lib/text";

/**
 * What every command (`npm run plan`, `validate`, `policy`, `access-diff`) writes to and reads:
 * the process's own streams and environment (`process` is a CommandIo), or a test's, which runs the
 * command's exported `main` in its own process and reads what it wrote. Imports only lib/text, so a
 * command that loads it pays for nothing else.
 */
export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Absent: process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * A failure that is a bug of ours (no message written for it): one line on stderr, the stack only
 * with ENGRAM_DEBUG set; exit code 2.
 */
export function internalError(err: unknown, io: CommandIo): number {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`internal error: ${escapeText(message.split("\n")[0])}\n`);
  if ((io.env ?? process.env).ENGRAM_DEBUG && err instanceof Error) io.stderr.write(`${err.stack}\n`);
  return 2;
}
