import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ENVIRONMENTS } from "../src/matrix";
import { PLANS_DIR_ENV, PLANS_ROOT, ROOT } from "./helpers/plan-files";

/**
 * Plans each committed stack once per jest run, before any test file starts, and writes the results
 * to a directory of this run under build/plans/ (tests/helpers/plan-files.ts). Test files read them
 * instead of each running the program again; only a test that plans a variant runs it.
 *
 * The stacks are planned by two processes at once (the suite's two workers are idle until this ends),
 * each paying the module loading once. A directory older than a day is a crashed run's: removed.
 */

/**
 * The committed stacks over two processes, dealt largest first in a snake (0, 1, 1, 0, 0, ...), so
 * both take about as long: prod, test and dev; staging and uat.
 */
const ORDER = [...ENVIRONMENTS].reverse();
const GROUPS = [0, 1].map((g) => ORDER.filter((_, i) => (i % 4 === 0 || i % 4 === 3 ? 0 : 1) === g));
const STALE_MS = 24 * 3600 * 1000;
/** A planning process that runs this long is stuck (five plans take seconds). */
const TIMEOUT_MS = 5 * 60 * 1000;

function run(dir: string, stacks: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "scripts", "run-ts.js"),
        path.join(ROOT, "tests", "helpers", "write-plans.ts"),
        dir,
        ...stacks,
      ],
      { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    const timer = setTimeout(() => {
      stderr += `\nstill planning after ${TIMEOUT_MS / 1000} s: stopped`;
      child.kill();
    }, TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(`planning the committed stacks ${stacks.join(", ")} failed (exit ${code}):\n${stderr}`),
        );
    });
  });
}

export default async function globalSetup(): Promise<void> {
  fs.mkdirSync(PLANS_ROOT, { recursive: true });
  for (const old of fs.readdirSync(PLANS_ROOT)) {
    const p = path.join(PLANS_ROOT, old);
    const mtime = fs.statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - mtime > STALE_MS) fs.rmSync(p, { recursive: true, force: true });
  }
  const dir = fs.mkdtempSync(path.join(PLANS_ROOT, "run-"));
  await Promise.all(GROUPS.map((stacks) => run(dir, stacks)));
  process.env[PLANS_DIR_ENV] = dir;
}
