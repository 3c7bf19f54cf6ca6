import * as path from "path";
import type { CommandIo } from "../../scripts/offline/command-io";

/**
 * A command (scripts/plan.ts, validate.ts, policy.ts, access-diff.ts) run through its exported
 * `main` in this test file's process: what it wrote on stdout and on stderr, and its exit code
 * (`status`, as spawnSync names it). Each command's script does only `process.exit(await main(...))`
 * with the process's own streams, so what main writes and returns is what the process writes and
 * exits with; each test file keeps one real process per kind of outcome to prove that wiring.
 */

export interface CommandRun {
  status: number;
  stdout: string;
  stderr: string;
}

export type CommandMain = (argv: string[], io: CommandIo) => Promise<number>;

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * Runs `main` as the command's process would run from the repository root (the test files spawn
 * it there; the messages name files relative to the working folder). `env` is the environment the
 * command reads (default: this process's).
 */
export async function runMain(
  main: CommandMain,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<CommandRun> {
  let stdout = "";
  let stderr = "";
  const io: CommandIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  };
  const cwd = process.cwd();
  if (cwd !== ROOT) process.chdir(ROOT);
  try {
    const status = await main(argv, io);
    return { status, stdout, stderr };
  } finally {
    if (process.cwd() !== cwd) process.chdir(cwd);
  }
}

/**
 * A command whose stdout throws on the first write (a bug of ours in miniature): `main` must answer
 * with the one `internal error:` line on stderr and exit code 2, the stack only with ENGRAM_DEBUG.
 */
export async function runMainFailingStdout(
  main: CommandMain,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<CommandRun> {
  let stderr = "";
  const status = await main(argv, {
    stdout: {
      write: () => {
        throw new Error("stdout broke\nsecond line");
      },
    },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { status, stdout: "", stderr };
}
