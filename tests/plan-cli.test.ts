import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

/**
 * The real CLI (`npm run plan` is `node scripts/run-ts.js scripts/plan.ts`) as a child process:
 * what a user sees, exit codes and files included.
 */

const ROOT = path.resolve(__dirname, "..");
let tmp: string;

function plan(...args: string[]) {
  const r = spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/plan.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 110_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack file: the committed prod file with some config changed. */
function writeStackFile(name: string, change: Record<string, unknown>): string {
  const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  Object.assign(doc.config, change);
  const file = path.join(tmp, name);
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engram-plan-cli-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("npm run plan", () => {
  it("GIVEN a committed stack THEN writes the JSON and the Markdown report and exits 0", () => {
    const out = path.join(tmp, "dev", "x.json");
    const r = plan("--stack", "dev", "--out", out);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const json = JSON.parse(fs.readFileSync(out, "utf8")) as { steps: { urn: string; op: string }[] };
    expect(json.steps[0].urn).toBe("urn:pulumi:dev::engram-infra::pulumi:pulumi:Stack::engram-infra-dev");
    expect(json.steps.every((s) => s.op === "create")).toBe(true);
    const md = fs.readFileSync(path.join(tmp, "dev", "x.md"), "utf8");
    expect(md.startsWith("# Offline plan: stack `dev` (environment `dev`)")).toBe(true);
    expect(r.stdout).toContain(`stack dev (dev): ${json.steps.length} steps -> `);
    expect(r.stdout).toContain(
      "info: engram:azureAiKey is not in the stack file (CI sets it); the offline plan used a secret placeholder.",
    );
  });

  it("GIVEN --stack-file with a free stack name THEN plans that file as that stack", () => {
    const file = writeStackFile("Pulumi.prod-weu.yaml", {});
    const out = path.join(tmp, "prod-weu.json");
    const r = plan("--stack", "prod-weu", "--stack-file", file, "--out", out);
    expect(r.status).toBe(0);
    const json = JSON.parse(fs.readFileSync(out, "utf8")) as { steps: { urn: string }[] };
    expect(json.steps[0].urn).toBe(
      "urn:pulumi:prod-weu::engram-infra::pulumi:pulumi:Stack::engram-infra-prod-weu",
    );
    expect(fs.readFileSync(path.join(tmp, "prod-weu.md"), "utf8")).toContain(
      "# Offline plan: stack `prod-weu` (environment `prod`)",
    );
  });

  it("GIVEN refused config THEN exits 1, prints every problem on stderr, and writes no file", () => {
    const file = writeStackFile("Pulumi.broken.yaml", {
      "engram:authRequired": false,
      "engram:waf": false,
      "engram:frontendOrigins": ["*"],
    });
    const out = path.join(tmp, "broken", "x.json");
    const r = plan("--stack", "broken", "--stack-file", file, "--out", out);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        "stack broken: invalid configuration, no plan written:",
        "- engram:authRequired=false is not allowed in prod: AUTH_REQUIRED may be false only in dev (SOP 001 POC mode)",
        "- engram:waf=false is not allowed in prod: prod exposes the API only through the WAF (SOP 000: WAF/APIM front door in prod)",
        "- engram:frontendOrigins[0]=* is not allowed in prod: wildcard origins are never allowed (SOP 001 CORS: no wildcards)",
        "",
      ].join("\n"),
    );
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(path.join(tmp, "broken", "x.md"))).toBe(false);
    expect(fs.existsSync(path.join(tmp, "broken"))).toBe(false);
  });

  it("GIVEN a stack file that is not YAML THEN exits 1 with the reason and writes no file", () => {
    const file = path.join(tmp, "Pulumi.garbled.yaml");
    fs.writeFileSync(file, "config:\n  engram:environment: [dev\n");
    const out = path.join(tmp, "garbled.json");
    const r = plan("--stack", "garbled", "--stack-file", file, "--out", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^stack garbled: cannot read ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
    );
    expect(r.stderr).not.toContain("    at ");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("GIVEN a stack without a stack file THEN exits 1 and writes no file", () => {
    const out = path.join(tmp, "none.json");
    const r = plan("--stack", "no-such-stack", "--out", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`no stack file ${path.join(ROOT, "Pulumi.no-such-stack.yaml")}\n`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it.each([
    [["--bogus"], "unknown argument --bogus"],
    [["--stack"], "--stack needs a value"],
    [["--stack", "../etc"], "--stack ../etc is not a stack name"],
  ])("GIVEN %j THEN exits 2 with the usage and no stack trace", (args, message) => {
    const r = plan(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `${message}\nusage: npm run plan -- [--stack <name>] [--out <file.json>] [--stack-file <Pulumi.<stack>.yaml>]\n`,
    );
  });
});

describe("scripts/run-ts.js: the transpile cache", () => {
  function runTs(file: string, env: Record<string, string>) {
    const r = spawnSync(process.execPath, ["scripts/run-ts.js", file], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...env },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    return r.stdout;
  }

  it("GIVEN a file run twice THEN the second run is served from the cache; a changed source is transpiled again", () => {
    const cache = path.join(tmp, "ts-cache");
    const file = path.join(tmp, "hello.ts");
    fs.writeFileSync(file, 'const greeting: string = "first";\nconsole.log(greeting);\n');
    expect(runTs(file, { ENGRAM_TS_CACHE_DIR: cache })).toBe("first\n");
    const entries = fs.readdirSync(cache);
    expect(entries).toHaveLength(1);
    // Proof that the cache is read: a planted entry is what runs.
    fs.writeFileSync(path.join(cache, entries[0]), 'console.log("from the cache");\n');
    expect(runTs(file, { ENGRAM_TS_CACHE_DIR: cache })).toBe("from the cache\n");
    // Never stale: a changed source has another key.
    fs.writeFileSync(file, 'const greeting: string = "second";\nconsole.log(greeting);\n');
    expect(runTs(file, { ENGRAM_TS_CACHE_DIR: cache })).toBe("second\n");
    expect(fs.readdirSync(cache)).toHaveLength(2);
  });

  it("GIVEN ENGRAM_TS_CACHE=0 THEN nothing is cached", () => {
    const cache = path.join(tmp, "ts-cache-off");
    const file = path.join(tmp, "off.ts");
    fs.writeFileSync(file, "const n: number = 3;\nconsole.log(n);\n");
    expect(runTs(file, { ENGRAM_TS_CACHE_DIR: cache, ENGRAM_TS_CACHE: "0" })).toBe("3\n");
    expect(fs.existsSync(cache)).toBe(false);
  });

  it("GIVEN the prod stack THEN the plan from a warm cache is byte-identical to the plan without one", () => {
    const cache = path.join(tmp, "ts-cache-plan");
    const outs = [
      ["cold", { ENGRAM_TS_CACHE: "0" }],
      ["fill", { ENGRAM_TS_CACHE_DIR: cache }],
      ["warm", { ENGRAM_TS_CACHE_DIR: cache }],
    ].map(([label, env]) => {
      const out = path.join(tmp, "cache-plan", `${label as string}.json`);
      const r = spawnSync(
        process.execPath,
        ["scripts/run-ts.js", "scripts/plan.ts", "--stack", "prod", "--out", out],
        { cwd: ROOT, encoding: "utf8", timeout: 110_000, env: { ...process.env, ...(env as object) } },
      );
      expect(r.status).toBe(0);
      return [fs.readFileSync(out, "utf8"), fs.readFileSync(out.replace(/\.json$/, ".md"), "utf8")];
    });
    expect(fs.readdirSync(cache).length).toBeGreaterThan(40);
    expect(outs[2]).toEqual(outs[0]);
    expect(outs[1]).toEqual(outs[0]);
  });
});

describe("scripts/bench-sdk-mocks.ts (the bench's reference runs)", () => {
  function reference(...args: string[]) {
    const r = spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/bench-sdk-mocks.ts", ...args], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 110_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    return r.stdout;
  }

  it("GIVEN the prod program under the SDK's own mocks THEN it registers exactly the plan's resources (all steps but the default providers)", () => {
    const out = path.join(tmp, "reference", "prod.json");
    expect(plan("--stack", "prod", "--out", out).status).toBe(0);
    const steps = (JSON.parse(fs.readFileSync(out, "utf8")) as { steps: { newState: { type: string } }[] })
      .steps;
    const registered = steps.filter((s) => !s.newState.type.startsWith("pulumi:providers:")).length;
    expect(reference("prod")).toBe(`prod: ${registered} resources registered\n`);
  });

  it("GIVEN --bare 3 THEN it registers the Stack and three role assignments", () => {
    expect(reference("--bare", "3")).toBe("bare: 4 resources registered\n");
  });
});
