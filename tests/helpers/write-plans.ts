import * as fs from "fs";
import { writeCommittedPlan } from "./plan-files";

/**
 * Plans committed stacks and writes each result (plan, validated config, report) for the tests:
 * `node scripts/run-ts.js tests/helpers/write-plans.ts <dir> [--serve <socket>] <stack>...`. Run by
 * tests/global-setup.ts, in processes of its own (the SDK's state stays out of jest's). A stack whose
 * plan throws (the program, or loading it, is broken) is written as that error: each test that
 * reads the stack fails with it, and the rest of the suite still runs.
 *
 * With --serve, the process then stays a plan server on that Unix socket for the rest of the jest
 * run (tests/helpers/plan-server.ts) and prints `ready` once it listens. It stops on SIGTERM (the
 * global teardown), and by itself when its parent goes away: stdin (a pipe from jest) closes, or the
 * parent process is gone.
 */

function parseArgs(argv: string[]): { dir: string; socket?: string; stacks: string[] } {
  const [dir, ...rest] = argv;
  if (rest[0] === "--serve") {
    if (!rest[1]) throw new Error("--serve needs a socket path");
    return { dir, socket: rest[1], stacks: rest.slice(2) };
  }
  return { dir, stacks: rest };
}

async function writePlans(dir: string, stacks: string[]): Promise<void> {
  for (const stack of stacks) {
    try {
      const [{ planStack }, { renderReport }] = await Promise.all([
        import("../../scripts/offline/plan"),
        import("../../scripts/offline/report"),
      ]);
      const result = await planStack({ stack });
      // Throws when JSON would not carry the plan exactly: the stack is then written as that error.
      writeCommittedPlan(dir, stack, { result, report: result.ok ? renderReport(result) : undefined });
    } catch (e) {
      writeCommittedPlan(dir, stack, { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }
}

async function main(): Promise<void> {
  const { dir, socket, stacks } = parseArgs(process.argv.slice(2));
  await writePlans(dir, stacks);
  if (!socket) return;

  const { serve } = await import("./plan-server");
  const server = await serve(socket);
  const stop = () => {
    server.close();
    fs.rmSync(socket, { force: true });
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // The parent (jest's main process) went away, even killed: its end of stdin closes.
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
  // And in case stdin was not a pipe from it: the process was handed to another parent.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000).unref();
  // A stray rejection in one program run is logged and the server goes on: every request has its
  // own answer (a test file that planned in-process would go on too).
  process.on("unhandledRejection", (e) =>
    process.stderr.write(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`),
  );
  process.stdout.write("ready\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
