import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS } from "../src/matrix";
import { copyCheckout } from "./helpers/checkout";
import { PLAN_SERVERS_ENV, PlanServerAddress, PLANS_DIR_ENV, PLANS_ROOT, ROOT } from "./helpers/plan-files";

/**
 * Plans each committed stack once per jest run, before any test file starts, and writes the results
 * to a directory of this run under build/plans/ (tests/helpers/plan-files.ts). Test files read them
 * instead of each running the program again.
 *
 * The stacks are planned by two processes at once (the suite's two workers are idle until this ends),
 * each paying the module loading once. Both then stay for the whole run as plan servers
 * (tests/helpers/plan-server.ts): a test that plans a variant asks one of them, and no test file
 * loads the SDK and the program just for that. tests/global-teardown.ts stops them; each also stops
 * by itself when jest's process goes away. A directory older than a day is a crashed run's: removed.
 *
 * The two processes do not run alike: one plans from this checkout, the other ("elsewhere") from a
 * copy of it at another path, under another collation, language and time zone. Plans must not
 * depend on either, so every test reads the same plans whichever process made them, and
 * tests/determinism.test.ts has each process plan the other's stacks and compares the bytes.
 */

type Place = NonNullable<PlanServerAddress["place"]>;

/**
 * The committed stacks over two processes, so both take about as long: prod (the AKS runtime, the
 * largest plan by far) with dev (the smallest); staging, uat and test.
 */
const GROUPS: { place: Place; stacks: string[] }[] = [
  { place: "here", stacks: ENVIRONMENTS.filter((e) => e === "prod" || e === "dev") },
  { place: "elsewhere", stacks: ENVIRONMENTS.filter((e) => e !== "prod" && e !== "dev") },
];

/**
 * Where "elsewhere" plans: a path with a space and a non-ASCII letter, the Estonian collation (it
 * sorts "z" between "s" and "t", so a localeCompare would order differently), another language, and
 * a time zone 12¾ hours from UTC.
 */
const ELSEWHERE_DIR = "engram infra ü";
const ELSEWHERE_ENV = { LANG: "et_EE.UTF-8", LC_ALL: "et_EE.UTF-8", LANGUAGE: "et", TZ: "Pacific/Chatham" };
/** Prefix of the temporary directory holding the "elsewhere" copy (removed by the teardown). */
const ELSEWHERE_PREFIX = "engram-elsewhere-";
const STALE_MS = 24 * 3600 * 1000;
/** A planning process that runs this long is stuck (five plans take seconds). */
const TIMEOUT_MS = 5 * 60 * 1000;
/** The longest Unix socket path Linux and macOS accept is 103-107 bytes. */
const MAX_SOCKET_PATH = 100;

export interface PlanServerProcess extends PlanServerAddress {
  child: ChildProcess;
  /** A directory made only for the socket (a deep checkout's path is too long for one), removed with it. */
  socketDir?: string;
  /** The temporary directory of the "elsewhere" copy of the checkout, removed with it. */
  checkoutDir?: string;
}

/** Where jest keeps what the teardown needs: globalSetup and globalTeardown share only globals. */
export const SERVERS_GLOBAL = "__engramPlanServers";

function socketPath(dir: string, i: number): { socket: string; socketDir?: string } {
  const socket = path.join(dir, `plan-server-${i}.sock`);
  if (Buffer.byteLength(socket) <= MAX_SOCKET_PATH) return { socket };
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-plans-"));
  return { socket: path.join(socketDir, `plan-server-${i}.sock`), socketDir };
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").slice(-4000);
  } catch {
    return "";
  }
}

/** The checkout a process plans from, its environment, and the temporary directory to remove after. */
function placeOf(place: Place): { root: string; env: NodeJS.ProcessEnv; checkoutDir?: string } {
  if (place === "here") return { root: ROOT, env: process.env };
  const checkoutDir = fs.mkdtempSync(path.join(os.tmpdir(), ELSEWHERE_PREFIX));
  const root = path.join(checkoutDir, ELSEWHERE_DIR);
  copyCheckout(ROOT, root);
  // Its own transpile cache: the copy's modules are transpiled from its own files.
  const env = { ...process.env, ...ELSEWHERE_ENV, ENGRAM_TS_CACHE_DIR: path.join(checkoutDir, "ts-cache") };
  return { root, env, checkoutDir };
}

/** Starts one planning process; resolves once it wrote its stacks' plans and listens as a plan server. */
function start(
  dir: string,
  i: number,
  { place, stacks }: (typeof GROUPS)[number],
  started: PlanServerProcess[],
): Promise<void> {
  const { socket, socketDir } = socketPath(dir, i);
  const log = path.join(dir, `plan-server-${i}.log`);
  const logFd = fs.openSync(log, "a");
  let where: ReturnType<typeof placeOf>;
  try {
    where = placeOf(place);
  } catch (e) {
    fs.closeSync(logFd);
    const why = e instanceof Error ? e.message : String(e);
    return Promise.reject(
      new Error(`planning the committed stacks ${stacks.join(", ")} failed (copying the checkout: ${why})`),
    );
  }
  const { root, env, checkoutDir } = where;
  const child = spawn(
    process.execPath,
    [
      // A plan allocates a lot of short-lived objects: a larger young generation (16 MB by default)
      // plans a variant about a sixth faster in a long-lived server. GC tuning only: same plans.
      "--max-semi-space-size=64",
      path.join(root, "scripts", "run-ts.js"),
      path.join(root, "tests", "helpers", "write-plans.ts"),
      dir,
      "--serve",
      socket,
      ...stacks,
    ],
    // stdin: a pipe it watches (it stops when jest's end closes); stdout: `ready`, then into the log.
    { cwd: root, env, stdio: ["pipe", "pipe", logFd] },
  );
  fs.closeSync(logFd);
  started.push({ socket, log, pid: child.pid ?? -1, place, stacks, child, socketDir, checkoutDir });
  return new Promise((resolve, reject) => {
    let out = "";
    let ready = false;
    const failed = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`planning the committed stacks ${stacks.join(", ")} failed (${why}):\n${tail(log)}`));
    };
    const timer = setTimeout(() => {
      failed(`still planning after ${TIMEOUT_MS / 1000} s: stopped`);
      child.kill("SIGKILL");
    }, TIMEOUT_MS);
    child.on("error", (e) => failed(e.message));
    child.on("exit", (code, signal) => {
      if (!ready) failed(`exit ${code ?? signal}`);
    });
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (d: string) => {
      if (ready) {
        fs.appendFileSync(log, d);
        return;
      }
      out += d;
      const nl = out.indexOf("ready\n");
      if (nl < 0) return;
      ready = true;
      clearTimeout(timer);
      if (nl > 0 || out.length > nl + 6) fs.appendFileSync(log, out.slice(0, nl) + out.slice(nl + 6));
      // jest's process does not wait for the servers: the teardown stops them.
      child.unref();
      for (const s of [child.stdin, child.stdout]) (s as unknown as { unref?: () => void })?.unref?.();
      resolve();
    });
  });
}

export default async function globalSetup(): Promise<void> {
  fs.mkdirSync(PLANS_ROOT, { recursive: true });
  const stale = [
    ...fs.readdirSync(PLANS_ROOT).map((d) => path.join(PLANS_ROOT, d)),
    ...fs
      .readdirSync(os.tmpdir())
      .filter((d) => d.startsWith(ELSEWHERE_PREFIX))
      .map((d) => path.join(os.tmpdir(), d)),
  ];
  for (const p of stale) {
    const mtime = fs.statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - mtime > STALE_MS) fs.rmSync(p, { recursive: true, force: true });
  }
  const dir = fs.mkdtempSync(path.join(PLANS_ROOT, "run-"));
  const started: PlanServerProcess[] = [];
  (globalThis as Record<string, unknown>)[SERVERS_GLOBAL] = started;
  process.env[PLANS_DIR_ENV] = dir;
  const results = await Promise.allSettled(GROUPS.map((group, i) => start(dir, i, group, started)));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) {
    for (const s of started) s.child.kill("SIGKILL");
    throw failure.reason;
  }
  process.env[PLAN_SERVERS_ENV] = JSON.stringify(
    started.map(({ socket, log, pid, place, stacks }): PlanServerAddress => ({
      socket,
      log,
      pid,
      place,
      stacks,
    })),
  );
}
