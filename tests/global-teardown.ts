import * as fs from "fs";
import { PlanServerProcess, SERVERS_GLOBAL } from "./global-setup";
import { PLAN_SERVERS_ENV, PLANS_DIR_ENV } from "./helpers/plan-files";

/** A server that has not stopped this long after SIGTERM is killed. */
const STOP_MS = 5000;

function stop(server: PlanServerProcess): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * Stops this run's plan servers and removes its committed plans (tests/global-setup.ts).
 * ENGRAM_KEEP_PLANS=<dir> keeps a copy of the run's directory there first: the plans and each plan
 * server's log, one line per variant with what it cost (to see where a slow run went).
 */
export default async function globalTeardown(): Promise<void> {
  const servers = ((globalThis as Record<string, unknown>)[SERVERS_GLOBAL] ?? []) as PlanServerProcess[];
  await Promise.all(servers.map(stop));
  for (const s of servers)
    for (const d of [s.socketDir, s.checkoutDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  delete process.env[PLAN_SERVERS_ENV];
  const dir = process.env[PLANS_DIR_ENV];
  if (!dir) return;
  const keep = process.env.ENGRAM_KEEP_PLANS;
  if (keep) fs.cpSync(dir, keep, { recursive: true, filter: (f) => !f.endsWith(".sock") });
  fs.rmSync(dir, { recursive: true, force: true });
}
