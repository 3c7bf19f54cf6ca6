import * as fs from "fs";
import * as path from "path";
import { escapeText } from "../lib/text";
import { secretReaderProblems } from "../src/access";
import type { planStack as PlanStack } from "./offline/plan";
import type { renderReport as RenderReport } from "./offline/report";
import { CommandIo, internalError } from "./offline/command-io";
import { HelpRequest, parsePlanArgs, Target, USAGE, UsageError } from "./offline/plan-args";
import { planConfig, validatePlanConfig } from "./offline/plan-config";
import { readStackFile, StackFileConfig, StackFileError } from "./offline/stack-file";

/**
 * The program and the SDK load only once the command line is known to be good, so a usage error
 * answers at once.
 */
function planner(): { planStack: typeof PlanStack; renderReport: typeof RenderReport } {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    planStack: (require("./offline/plan") as { planStack: typeof PlanStack }).planStack,
    renderReport: (require("./offline/report") as { renderReport: typeof RenderReport }).renderReport,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/**
 * `npm run plan -- [--stack <name>] [--out <file.json>] [--stack-file <Pulumi.<stack>.yaml>]`
 * `npm run plan -- --all [--out-dir <dir>]`
 *
 * Writes plan/<stack>.json (shape of `pulumi preview --json`) and plan/<stack>.md, both or neither
 * (each is written to a temporary file first, then renamed). Every failure a user can cause ends in
 * one clear message and an exit code, never a stack trace:
 * - 1: the configuration is refused (every problem is listed) or the stack file cannot be read as
 *   one; the stack's previous plan files are removed, so none looks current;
 * - 2: a wrong command line, a stack file that does not exist, or a file that cannot be written.
 * `--all` plans every committed stack (dev, test, uat, staging, prod) in one process.
 */

/** A file that cannot be read or written: exit code 2. */
class IoError extends Error {}

const q = (v: string) => escapeText(v);
const rel = (f: string) => escapeText(path.relative(process.cwd(), f) || f);

const mdOf = (jsonFile: string) => jsonFile.replace(/\.json$/, ".md");

/** Refuses output paths that can never be written as files, before anything is planned. */
function checkOutputs(t: Target): void {
  // The nearest existing folder on the way must be a folder, not a file.
  for (let dir = path.dirname(t.jsonFile); ; dir = path.dirname(dir)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(dir);
    } catch {
      if (path.dirname(dir) === dir) break;
      continue; // not there yet: it will be made
    }
    if (!stat.isDirectory())
      throw new UsageError(`${rel(dir)} is a file, so ${rel(t.jsonFile)} cannot be written inside it`);
    break;
  }
  for (const f of [t.jsonFile, mdOf(t.jsonFile)]) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(f);
    } catch {
      continue; // does not exist yet: fine
    }
    if (!stat.isFile())
      throw new UsageError(`${rel(f)} is a directory or another non-file; name a .json file to write`);
  }
}

/** Reads the stack file; a missing or unreadable file is an I/O failure, a malformed one a config one. */
function readConfig(t: Target): StackFileConfig {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(t.stackFile);
  } catch {
    throw new IoError(`no stack file ${rel(t.stackFile)}`);
  }
  if (!stat.isFile()) throw new IoError(`stack file ${rel(t.stackFile)} is not a file`);
  try {
    return readStackFile(t.stackFile, path.relative(process.cwd(), t.stackFile) || t.stackFile);
  } catch (err) {
    if (err instanceof StackFileError) throw err;
    throw new IoError(`cannot read stack file ${rel(t.stackFile)}: ${ioReason(err)}`);
  }
}

function ioReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOENT: "no such file or directory",
    ENOTDIR: "a part of the path is a file, not a directory",
    EISDIR: "it is a directory",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the device",
    ENAMETOOLONG: "the name is too long",
    EEXIST: "a file of that name is in the way",
  };
  return (e && e.code && reasons[e.code]) || escapeText(String(e?.message ?? err).split("\n")[0]);
}

/** Removes the plan files of a stack whose plan was refused, so no stale plan looks current. */
function removeStale(t: Target): string {
  const removed: string[] = [];
  for (const f of [t.jsonFile, mdOf(t.jsonFile)]) {
    try {
      if (fs.statSync(f).isFile()) {
        fs.unlinkSync(f);
        removed.push(rel(f));
      }
    } catch {
      // not there, or not ours to remove
    }
  }
  return removed.length ? `; removed the previous ${removed.join(" and ")}` : "";
}

/**
 * `mkdir -p`, one folder at a time: Node's own recursive mkdirSync never returns on some paths
 * (under /proc it retries ENOENT forever).
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) fs.mkdirSync(d);
}

/** Writes both files or neither: temporary files beside the targets, then two renames. */
function writeBoth(files: [string, string][]): void {
  const written: string[] = [];
  const temps: string[] = [];
  try {
    for (const [file] of files) makeFolders(path.dirname(file));
    for (const [file, text] of files) {
      const tmp = `${file}.${process.pid}.tmp`;
      temps.push(tmp);
      fs.writeFileSync(tmp, text);
    }
    files.forEach(([file], i) => {
      fs.renameSync(temps[i], file);
      written.push(file);
    });
  } catch (err) {
    for (const f of [...temps, ...written]) fs.rmSync(f, { force: true });
    const target = files[written.length]?.[0] ?? files[0][0];
    throw new IoError(`cannot write ${rel(target)}: ${ioReason(err)}; no plan written`);
  }
}

/** A refused config: every problem, the stale plan files removed; exit code 1. */
function refused(t: Target, problems: string[], io: CommandIo): number {
  io.stderr.write(
    `stack ${q(t.stack)}: invalid configuration, no plan written${removeStale(t)}:\n${problems.map((p) => `- ${p}`).join("\n")}\n`,
  );
  return 1;
}

/** The program failed (not a config refusal): its message, the stale plan files removed; exit code 1. */
function programFailed(t: Target, err: unknown, io: CommandIo): number {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(
    `stack ${q(t.stack)}: the program failed, no plan written${removeStale(t)}: ${escapeText(message)}\n`,
  );
  if ((io.env ?? process.env).ENGRAM_DEBUG && err instanceof Error) io.stderr.write(`${err.stack}\n`);
  return 1;
}

/** Plans one target; returns the exit code (0, or 1 for a refused config). */
async function planTarget(t: Target, isolate: boolean, io: CommandIo): Promise<number> {
  let config: StackFileConfig;
  try {
    config = readConfig(t);
  } catch (err) {
    // A stack file that is gone or unreadable leaves no plan that looks current either.
    if (err instanceof IoError) throw new IoError(`${err.message}; no plan written${removeStale(t)}`);
    if (!(err instanceof StackFileError)) throw err;
    io.stderr.write(`stack ${q(t.stack)}: ${err.message}; no plan written${removeStale(t)}\n`);
    return 1;
  }
  // Every config rule is checked before the program and the SDK load: a refusal answers at once.
  // The program checks the same config again (loadConfig), and planStack proves the two agree.
  const checked = validatePlanConfig(t.stack, planConfig({ stack: t.stack, config }));
  if (!checked.ok) return refused(t, checked.problems, io);
  // The program's tables agree for this environment (src/access.ts), checked as the program checks
  // them before it registers anything: a broken edit answers at once too, in the program's words.
  const broken = secretReaderProblems(checked.config);
  if (broken.length > 0) return programFailed(t, new Error(broken.join("; ")), io);
  // The folders the files go to, before the plan is paid for: a path that cannot be made fails now.
  try {
    makeFolders(path.dirname(t.jsonFile));
  } catch (err) {
    throw new IoError(`cannot write ${rel(t.jsonFile)}: ${ioReason(err)}; no plan written`);
  }
  const { planStack, renderReport } = planner();
  let result: Awaited<ReturnType<typeof planStack>>;
  try {
    result = await planStack({ stack: t.stack, config, isolate });
  } catch (err) {
    // Not a config refusal: the program itself failed (a value the config let through broke a rule).
    return programFailed(t, err, io);
  }
  if (!result.ok) return refused(t, result.problems, io);
  const json = `${JSON.stringify(result.plan, null, 2)}\n`;
  const md = renderReport(result);
  writeBoth([
    [t.jsonFile, json],
    [mdOf(t.jsonFile), md],
  ]);
  io.stdout.write(
    `stack ${q(t.stack)} (${result.config.environment}): ${result.plan.steps.length} steps -> ${rel(t.jsonFile)}, ${rel(mdOf(t.jsonFile))}\n`,
  );
  for (const d of result.plan.diagnostics) io.stdout.write(`${d.prefix}${d.message}`);
  return 0;
}

/**
 * The command in this process: plans what `argv` names, writes every message to `io` and returns the
 * exit code (0, 1 a refused config, 2 a wrong command line, an I/O failure or an internal error);
 * never throws. Run as a script (below), the process exits with that code.
 */
export async function main(argv: string[], io: CommandIo = process): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof UsageError) io.stderr.write(`${err.message}\n${USAGE}\n`);
    else if (err instanceof IoError) io.stderr.write(`${err.message}\n`);
    // A bug of ours: one line, the stack only on request.
    else return internalError(err, io);
    return 2;
  }
}

async function run(argv: string[], io: CommandIo): Promise<number> {
  let targets: Target[];
  try {
    targets = parsePlanArgs(argv);
  } catch (err) {
    if (!(err instanceof HelpRequest)) throw err;
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  targets.forEach(checkOutputs);
  let code = 0;
  // One plan runs in the process's own Pulumi state, as under the Pulumi CLI; several (--all) each
  // get their own, one after another.
  const isolate = targets.length > 1;
  for (const t of targets) code = Math.max(code, await planTarget(t, isolate, io));
  return code;
}

// run-ts.js loads the file with require (so require.main is run-ts.js) and sets argv[1] to it.
if (require.main === module || process.argv[1] === __filename)
  void main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => process.exit(internalError(err, process)),
  );
