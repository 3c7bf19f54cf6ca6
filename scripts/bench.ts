import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS } from "../src/matrix";

/**
 * `npm run bench [-- --runs N]`: how long the offline plan of each stack takes against the floor,
 * a bare `require("@pulumi/pulumi")` in a fresh Node process. Every figure is a separate child
 * process (a user runs `npm run plan` cold), the median of N runs after one warm-up; peak RSS is
 * the largest seen. Prints figures, asserts nothing: the target is a prod plan of about
 * twice the floor or less.
 *
 * Three reference rows (scripts/bench-sdk-mocks.ts) explain the rest: the modules the plan imports,
 * loaded and not run; as many bare RoleAssignments as prod registers, under the SDK's own
 * `pulumi.runtime.setMocks` (what the SDK costs per resource, whatever the program); and the same
 * prod program under `setMocks` (what the SDK alone costs to run this program offline). Plans run
 * exactly as `npm run plan` runs them (the `plan` script of package.json), with the transpile cache
 * warm after the warm-up, as on any second run; one more row shows prod with the cache off.
 */

const ROOT = path.resolve(__dirname, "..");
/** The committed stacks, one per environment. */
const STACKS = ENVIRONMENTS;
const TIME = "/usr/bin/time";

function parseRuns(argv: string[]): number {
  const i = argv.findIndex((a) => a === "--runs" || a.startsWith("--runs="));
  const raw =
    i < 0 ? (process.env.BENCH_RUNS ?? "5") : argv[i].includes("=") ? argv[i].split("=")[1] : argv[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs ${raw} is not a positive whole number`);
  return n;
}

interface Sample {
  seconds: number;
  /** Peak resident set size of the child, in MiB. */
  rssMiB: number;
}

const useTime = fs.existsSync(TIME);
/** Without /usr/bin/time, a preloaded hook prints the child's own maxRSS when it exits. */
const rssHook = path.join(os.tmpdir(), `engram-bench-rss-${process.pid}.js`);

/** The reference program run (scripts/bench-sdk-mocks.ts), transpile-only like the plan. */
const REFERENCE = ["scripts/run-ts.js", "scripts/bench-sdk-mocks.ts"];

/** How many resources the stack's program registers (its Stack included), from the reference run. */
function registrations(stack: string): number {
  const r = spawnSync(process.execPath, [...REFERENCE, stack], { cwd: ROOT, encoding: "utf8" });
  const n = new RegExp(`^${stack}: (\\d+) resources registered$`, "m").exec(r.stdout)?.[1];
  if (r.status !== 0 || n === undefined)
    throw new Error(`${REFERENCE.join(" ")} ${stack} failed:\n${r.stderr}`);
  return Number(n);
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

function run(args: string[], env: Record<string, string> = {}): Sample {
  const nodeArgs = useTime ? args : ["--require", rssHook, ...args];
  const [cmd, argv] = useTime ? [TIME, ["-v", process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${[cmd, ...argv].join(" ")} exited ${r.status}:\n${r.stderr}`);
  const kib = useTime
    ? /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]
    : /ENGRAM_BENCH_MAXRSS (\d+)/.exec(r.stderr)?.[1];
  return { seconds, rssMiB: Number(kib ?? NaN) / 1024 };
}

function measure(label: string, args: string[], runs: number, env: Record<string, string> = {}) {
  run(args, env); // warm-up: file system cache, the transpile cache
  const samples = Array.from({ length: runs }, () => run(args, env));
  const sorted = samples.map((s) => s.seconds).sort((a, b) => a - b);
  const median = runs % 2 === 1 ? sorted[(runs - 1) / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
  return {
    label,
    median,
    min: sorted[0],
    max: sorted[runs - 1],
    rss: Math.max(...samples.map((s) => s.rssMiB)),
  };
}

function main(): void {
  const runs = parseRuns(process.argv.slice(2));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "engram-bench-"));
  if (!useTime)
    fs.writeFileSync(
      rssHook,
      "process.on('exit', () => process.stderr.write('\\nENGRAM_BENCH_MAXRSS ' + process.resourceUsage().maxRSS + '\\n'));\n",
    );
  try {
    process.stdout.write(
      `bench: median of ${runs} runs after one warm-up, each a fresh process; node ${process.version}, ` +
        `${os.cpus().length} CPUs, load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}; peak RSS from ${useTime ? "/usr/bin/time -v" : "process.resourceUsage().maxRSS"}\n\n`,
    );
    const plan = planCommand();
    const floor = measure('SDK floor: require("@pulumi/pulumi")', ["-e", 'require("@pulumi/pulumi")'], runs);
    const rows = [floor];
    rows.push(measure("plan modules, loaded, not run", [...REFERENCE, "prod", "--load-only"], runs));
    // As many bare resources as the prod program registers besides its Stack.
    const registered = registrations("prod");
    const bare = measure(
      `SDK setMocks, ${registered - 1} bare RoleAssignments`,
      [...REFERENCE, "--bare", String(registered - 1)],
      runs,
    );
    rows.push(bare);
    const sdkMocks = measure("prod program under SDK setMocks", [...REFERENCE, "prod"], runs);
    rows.push(sdkMocks);
    for (const stack of STACKS)
      rows.push(
        measure(`plan ${stack}`, [...plan, "--stack", stack, "--out", path.join(out, `${stack}.json`)], runs),
      );
    const prod = rows[rows.length - 1];
    rows.push(
      measure(
        "plan prod, transpile cache off",
        [...plan, "--stack", "prod", "--out", path.join(out, "prod-nocache.json")],
        runs,
        { ENGRAM_TS_CACHE: "0" },
      ),
    );
    const w = Math.max(...rows.map((r) => r.label.length));
    process.stdout.write(
      `${"".padEnd(w)}  median   min      max      ratio  peak RSS\n` +
        rows
          .map(
            (r) =>
              `${r.label.padEnd(w)}  ${r.median.toFixed(3)} s  ${r.min.toFixed(3)} s  ${r.max.toFixed(3)} s  ` +
              `${(r.median / floor.median).toFixed(2)}x  ${r.rss.toFixed(0)} MiB`,
          )
          .join("\n") +
        "\n",
    );
    process.stdout.write(
      `\nprod plan / SDK floor = ${(prod.median / floor.median).toFixed(2)} (target: about 2 or less)\n` +
        `prod plan / prod program under SDK setMocks = ${(prod.median / sdkMocks.median).toFixed(2)} ` +
        `(the plan engine's own cost; below 1: the plan is faster than the SDK's own mocks)\n` +
        `SDK setMocks with ${registered - 1} bare RoleAssignments / SDK floor = ${(bare.median / floor.median).toFixed(2)} ` +
        `(the SDK's own cost for as many resources as prod has, with the smallest inputs)\n`,
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(rssHook, { force: true });
  }
}

main();
