import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS } from "../src/matrix";
import { plan, report } from "./helpers/plan";

/**
 * One stack, the same plan bytes on any machine: the plan command is run as a user runs it from
 * another checkout path under another collation (Estonian sorts "z" between "s" and "t"), another
 * time zone and another language, and its JSON and report must be byte-identical, for every
 * committed stack, to the plans this jest run made in its global setup.
 */

const ROOT = path.resolve(__dirname, "..");
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engram-determinism-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A copy of the committed tree at another path, sharing node_modules (as a second clone would). */
function otherCheckout(): string {
  const dir = path.join(tmp, "elsewhere", "engram infra ü");
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f !== "" && fs.existsSync(path.join(ROOT, f)));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

function planAll(cwd: string, outDir: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(
    process.execPath,
    // A larger young generation, as the test plan servers use: GC tuning only, about a sixth faster.
    ["--max-semi-space-size=64", "scripts/run-ts.js", "scripts/plan.ts", "--all", "--out-dir", outDir],
    { cwd, encoding: "utf8", timeout: 170_000, env },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
}

describe("plans under another locale, time zone and checkout path", () => {
  const outputs: Record<"ordinary" | "other", Record<string, string>> = { ordinary: {}, other: {} };

  beforeAll(async () => {
    // The ordinary side: the plans this jest run made in its global setup (the committed checkout,
    // the machine's own locale and time zone), written as `npm run plan` writes them.
    for (const stack of ENVIRONMENTS) {
      const r = await plan(stack);
      if (!r.ok) throw new Error(`stack ${stack} was refused: ${r.problems.join("; ")}`);
      outputs.ordinary[`${stack}.json`] = `${JSON.stringify(r.plan, null, 2)}\n`;
      outputs.ordinary[`${stack}.md`] = await report(stack);
    }
    // The other side: the plan command, from another checkout path, under another collation,
    // language and time zone.
    const other = path.join(tmp, "other");
    planAll(otherCheckout(), other, {
      ...process.env,
      LANG: "et_EE.UTF-8",
      LC_ALL: "et_EE.UTF-8",
      LANGUAGE: "et",
      TZ: "Pacific/Chatham",
      // Another transpile cache, so the other checkout transpiles its own copy.
      ENGRAM_TS_CACHE_DIR: path.join(tmp, "ts-cache-other"),
    });
    for (const f of fs.readdirSync(other)) outputs.other[f] = fs.readFileSync(path.join(other, f), "utf8");
  }, 340_000);

  it("GIVEN the Estonian collation THEN localeCompare would order differently (the test can fail)", () => {
    const r = spawnSync(
      process.execPath,
      ["-e", 'console.log(["t","z","s"].sort((a,b)=>a.localeCompare(b)).join(""))'],
      {
        encoding: "utf8",
        env: { ...process.env, LANG: "et_EE.UTF-8", LC_ALL: "et_EE.UTF-8" },
      },
    );
    expect(r.stdout.trim()).toBe("szt");
  });

  it("GIVEN both runs THEN each wrote the JSON and the report of every committed stack", () => {
    const expected = ENVIRONMENTS.flatMap((e) => [`${e}.json`, `${e}.md`]).sort();
    expect(Object.keys(outputs.ordinary).sort()).toEqual(expected);
    expect(Object.keys(outputs.other).sort()).toEqual(expected);
  });

  it.each(ENVIRONMENTS.flatMap((e) => [`${e}.json`, `${e}.md`]))(
    "GIVEN %s THEN the bytes are identical",
    (file) => {
      expect(outputs.other[file]).toBe(outputs.ordinary[file]);
    },
  );
});
