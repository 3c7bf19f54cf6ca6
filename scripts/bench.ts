import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * `npm run bench [-- --runs N]`: how long the offline plan of each stack takes against the floor,
 * a bare `require("@pulumi/pulumi")` in a fresh Node process. Every figure is a separate child
 * process (a user runs `npm run plan` cold), the median of N runs after one warm-up; peak RSS is
 * the largest seen. Prints figures, asserts nothing: the target is a prod plan of about
 * twice the floor or less.
 */

const ROOT = path.resolve(__dirname, "..");
const STACKS = ["dev", "test", "uat", "staging", "prod"];
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

function run(args: string[]): Sample {
  const nodeArgs = useTime ? args : ["--require", rssHook, ...args];
  const [cmd, argv] = useTime ? [TIME, ["-v", process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${[cmd, ...argv].join(" ")} exited ${r.status}:\n${r.stderr}`);
  const kib = useTime
    ? /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]
    : /ENGRAM_BENCH_MAXRSS (\d+)/.exec(r.stderr)?.[1];
  return { seconds, rssMiB: Number(kib ?? NaN) / 1024 };
}

function measure(label: string, args: string[], runs: number) {
  run(args); // warm-up: file system cache, the transpiler's first load
  const samples = Array.from({ length: runs }, () => run(args));
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
    const floor = measure('SDK floor: require("@pulumi/pulumi")', ["-e", 'require("@pulumi/pulumi")'], runs);
    const rows = [floor];
    for (const stack of STACKS)
      rows.push(
        measure(
          `plan ${stack}`,
          [
            "scripts/run-ts.js",
            "scripts/plan.ts",
            "--stack",
            stack,
            "--out",
            path.join(out, `${stack}.json`),
          ],
          runs,
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
    const prod = rows[rows.length - 1];
    process.stdout.write(
      `\nprod plan / SDK floor = ${(prod.median / floor.median).toFixed(2)} (target: about 2 or less)\n`,
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(rssHook, { force: true });
  }
}

main();
