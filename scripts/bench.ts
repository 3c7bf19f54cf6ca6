import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { escapeText } from "../lib/text";
import { ENVIRONMENTS } from "../src/matrix";

/**
 * `npm run bench [-- --runs N] [--no-jest]`: the three performance targets of the offline plan,
 * each measured side by side in this run, printed as three rows and nothing else (it asserts
 * nothing):
 * 1. the prod plan against the SDK itself under `pulumi.runtime.setMocks` registering as many bare
 *    resources as the prod plan has (scripts/bench-sdk-mocks.ts): the floor for running this
 *    program through the SDK;
 * 2. `npm run plan -- --all` (the five committed stacks in one process) against five separate
 *    `npm run plan -- --stack <s>` runs;
 * 3. the jest suite (`npx jest`, the repository's config, run once; `--no-jest` skips it) against
 *    the prod plan of row 1.
 * Every plan runs as users run it (the `plan` script of package.json), each figure in a fresh
 * process, the median of N runs (default 5) after one warm-up (the transpile cache is then warm);
 * the two sides of a row take turns, and the five separate runs count as one sample, their sum.
 */

const ROOT = path.resolve(__dirname, "..");
/** The committed stacks, one per environment. */
const STACKS = ENVIRONMENTS;

interface Options {
  runs: number;
  jest: boolean;
}

/** A wrong command line: one line and the usage, exit code 2 (never a stack trace). */
class UsageError extends Error {}

/**
 * The options, split into tokens by `node:util` parseArgs; the checks and messages are ours (a
 * later `--runs` wins, `--runs` takes the next argument whatever it is).
 */
function readOptions(argv: string[]): Options {
  let runs = Number(process.env.BENCH_RUNS ?? "5");
  let jest = true;
  const { tokens } = parseArgs({
    args: argv,
    options: { runs: { type: "string" }, "no-jest": { type: "boolean" } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const t of tokens) {
    const raw = argv[t.index];
    if (t.kind === "option" && t.name === "no-jest" && raw === "--no-jest") jest = false;
    else if (t.kind === "option" && t.name === "runs" && (raw === "--runs" || raw.startsWith("--runs=")))
      runs = Number(t.value);
    else throw new UsageError(`unknown argument ${escapeText(raw)}`);
  }
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError("--runs needs a positive whole number");
  return { runs, jest };
}

/** Node's arguments of `npm run plan`, read from package.json so the bench runs what users run. */
function planCommand(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const [cmd, ...args] = pkg.scripts.plan.split(/\s+/);
  if (cmd !== "node") throw new Error(`the plan script does not start with node: ${pkg.scripts.plan}`);
  return args;
}

/** Runs a command to its end; its wall time in seconds, and its exit status. */
function timed(cmd: string, args: string[], check = true): { seconds: number; status: number | null } {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (check && r.status !== 0)
    throw new Error(`${[cmd, ...args].join(" ")} exited ${r.status}:\n${r.stderr || r.error?.message}`);
  return { seconds, status: r.status };
}

const node = (args: string[]) => timed(process.execPath, args).seconds;

const medianOf = (samples: number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * The medians of `runs` samples of each side of a row, after one warm-up of each. The sides take
 * turns, so both see the same load on a shared machine.
 */
function sideBySide(runs: number, a: () => number, b: () => number): [number, number] {
  a();
  b();
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(a());
    bs.push(b());
  }
  return [medianOf(as), medianOf(bs)];
}

/** The resources a plan registers besides its Stack (default providers are not registrations). */
function registrationsOf(planJson: string): number {
  const plan = JSON.parse(fs.readFileSync(planJson, "utf8")) as { steps: { urn: string }[] };
  return plan.steps.filter((s) => {
    const type = s.urn.split("::")[2];
    return type !== "pulumi:pulumi:Stack" && !type.startsWith("pulumi:providers:");
  }).length;
}

const secs = (s: number) => `${s.toFixed(2)} s`;

function main(): void {
  const { runs, jest } = readOptions(process.argv.slice(2));
  const plan = planCommand();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "engram-bench-"));
  const rows: string[][] = [];
  const row = (a: string, ta: number, b: string, tb: number, target: string) =>
    rows.push([a, secs(ta), "vs", b, secs(tb), `${(ta / tb).toFixed(2)}x`, `(target ≤ ${target})`]);
  try {
    const planOf = (stack: string) =>
      node([...plan, "--stack", stack, "--out", path.join(out, `${stack}.json`)]);

    // The bare count comes from the plan the first (warm-up) prod plan writes.
    let bare = 0;
    const [prod, sdk] = sideBySide(
      runs,
      () => {
        const t = planOf("prod");
        bare = registrationsOf(path.join(out, "prod.json"));
        return t;
      },
      () => node(["scripts/run-ts.js", "scripts/bench-sdk-mocks.ts", "--bare", String(bare)]),
    );
    row("prod plan", prod, `SDK setMocks, ${bare} bare registrations`, sdk, "1.3x");

    const [all, separate] = sideBySide(
      runs,
      () => node([...plan, "--all", "--out-dir", path.join(out, "all")]),
      () => STACKS.reduce((sum, s) => sum + planOf(s), 0),
    );
    row(`plan --all (${STACKS.length} stacks)`, all, `${STACKS.length} separate plans`, separate, "0.75x");

    if (jest) {
      const npx = process.platform === "win32" ? "npx.cmd" : "npx";
      const suite = timed(npx, ["jest"], false);
      const label = suite.status === 0 ? "jest suite, once" : `jest suite, once (exit ${suite.status})`;
      row(label, suite.seconds, "prod plan", prod, "25x");
    } else {
      rows.push(["jest suite, once", "skipped (--no-jest)", "vs", "prod plan", secs(prod), "", ""]);
    }

    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const right = new Set([1, 4, 5]);
    process.stdout.write(
      rows
        .map((r) =>
          r
            .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
            .join("  ")
            .trimEnd(),
        )
        .join("\n") + "\n",
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`${err.message}\nusage: npm run bench -- [--runs N] [--no-jest]\n`);
  process.exit(2);
}
