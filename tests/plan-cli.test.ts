import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { defaultNameSuffix } from "../lib/naming";
import { parsePlanArgs, UsageError } from "../scripts/offline/plan-args";
import { readStackFile } from "../scripts/offline/stack-file";
import { main } from "../scripts/plan";
import { runMain, runMainFailingStdout } from "./helpers/cli";
import { plan as committedPlan, planAfresh } from "./helpers/plan";

/**
 * `npm run plan` (`node scripts/run-ts.js scripts/plan.ts`): what a user sees, exit codes and files
 * included. Most cases run the command's `main` in this process (`plan`: the same messages,
 * exit code and files; the process only exits with what main returns). Real processes (spawnPlan)
 * remain once per kind of outcome, to prove that wiring end to end (exit code, which stream):
 * - exit 0, a plan written: "GIVEN a committed stack" (the one whole plan in a process of its own);
 * - exit 1, a refused config: "GIVEN refused config";
 * - exit 2, a wrong command line: --bogus ("... (its own process)");
 * - exit 2, an I/O failure: "GIVEN a stack without a stack file".
 * An internal error has no trigger from outside; its one line is proved in process below. The
 * run-ts.js and bench-sdk-mocks describes spawn by nature (they test the process itself).
 */

const ROOT = path.resolve(__dirname, "..");
let tmp: string;

/** The command in its own process. */
function spawnPlan(...args: (string | Record<string, string>)[]) {
  const env = args.find((a): a is Record<string, string> => typeof a !== "string");
  const argv = args.filter((a): a is string => typeof a === "string");
  const r = spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/plan.ts", ...argv], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 110_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command's main in this process (tests/helpers/cli.ts): the same messages, exit code and files. */
function plan(...args: (string | Record<string, string>)[]) {
  const env = args.find((a): a is Record<string, string> => typeof a !== "string");
  const argv = args.filter((a): a is string => typeof a === "string");
  return runMain(main, argv, { ...process.env, ...env });
}

/** A stack file: the committed prod file with some config changed. */
function writeStackFile(name: string, change: Record<string, unknown>, base = "prod"): string {
  const doc = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${base}.yaml`), "utf8")) as {
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
    const r = spawnPlan("--stack", "dev", "--out", out);
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

  it("GIVEN --stack-file with --stack THEN the file is planned as the stack --stack names", async () => {
    // A refused config shows the stack name without paying for a whole plan; the full plan of a
    // free stack name is the `--stack-file without --stack` test below.
    const file = writeStackFile("Pulumi.prod-weu.yaml", { "engram:waf": false });
    const out = path.join(tmp, "prod-neu.json");
    const r = await plan("--stack", "prod-neu", "--stack-file", file, "--out", out);
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe("stack prod-neu: invalid configuration, no plan written:");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("GIVEN refused config THEN exits 1, prints every problem on stderr, and writes no file", () => {
    const file = writeStackFile("Pulumi.broken.yaml", {
      "engram:authRequired": false,
      "engram:waf": false,
      "engram:frontendOrigins": ["*"],
    });
    const out = path.join(tmp, "broken", "x.json");
    const r = spawnPlan("--stack", "broken", "--stack-file", file, "--out", out);
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

  it("GIVEN a stack file that is not YAML THEN exits 1 with the reason and writes no file", async () => {
    const file = path.join(tmp, "Pulumi.garbled.yaml");
    fs.writeFileSync(file, "config:\n  engram:environment: [dev\n");
    const out = path.join(tmp, "garbled.json");
    const r = await plan("--stack", "garbled", "--stack-file", file, "--out", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `stack garbled: ${path.relative(ROOT, file)} is not valid YAML at line 3, column 1: the indentation is wrong or a bracket is not closed; no plan written\n`,
    );
    expect(r.stderr).not.toContain("    at ");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("GIVEN a stack without a stack file THEN exits 2 (an I/O failure) and writes no file", () => {
    const out = path.join(tmp, "none.json");
    const r = spawnPlan("--stack", "no-such-stack", "--out", out);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `no stack file ${path.relative(ROOT, path.join(ROOT, "Pulumi.no-such-stack.yaml"))}; no plan written\n`,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it("GIVEN a stack whose stack file is gone THEN its previous plan files are removed too", async () => {
    const out = path.join(tmp, "gone", "gone.json");
    fs.mkdirSync(path.dirname(out));
    fs.writeFileSync(out, "{}");
    const r = await plan("--stack-file", path.join(tmp, "Pulumi.gone.yaml"), "--out", out);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `no stack file ${path.relative(ROOT, path.join(tmp, "Pulumi.gone.yaml"))}; no plan written; removed the previous ${path.relative(ROOT, out)}\n`,
    );
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });

  const USAGE =
    "usage: npm run plan -- [--stack <name>] [--out <file.json>] [--stack-file <Pulumi.<stack>.yaml>] | --all [--out-dir <dir>]";

  it.each([
    [["--bogus"], "unknown argument --bogus"],
    [["--stack"], "--stack needs a value"],
    [
      ["--stack", "../etc"],
      "--stack ../etc is not a stack name: Pulumi stack names are 1-100 letters, digits, hyphens, underscores and periods",
    ],
    [
      ["--stack", "a".repeat(101)],
      `--stack ${"a".repeat(101)} is not a stack name: Pulumi stack names are 1-100 letters, digits, hyphens, underscores and periods`,
    ],
    [
      ["--stack", "dev\n- forged line\u001b[2J"],
      "--stack dev\\n- forged line\\u001b[2J is not a stack name: Pulumi stack names are 1-100 letters, digits, hyphens, underscores and periods",
    ],
    [["--stack", "dev", "--stack", "prod"], "--stack is given twice"],
    [["--stack="], "--stack needs a value"],
    [["--out", "plan.txt"], "--out plan.txt must name a .json file (the report is written beside it as .md)"],
    [["--all", "--stack", "dev"], "--all plans every committed stack; --stack cannot be combined with it"],
    [
      ["--out", "a.json", "--out-dir", "b"],
      "--out names the file and --out-dir the folder; give one of them",
    ],
    [
      ["--stack-file", "Pulumi.my stack.yaml"],
      "--stack-file Pulumi.my stack.yaml names the stack my stack, which is not a stack name: Pulumi stack names are 1-100 letters, digits, hyphens, underscores and periods; add --stack <name>",
    ],
    [
      ["--stack-file", "stack.yaml"],
      "--stack-file stack.yaml is not named Pulumi.<stack>.yaml, so it does not say which stack it is; add --stack <name>",
    ],
  ])("GIVEN %j THEN the command line is refused with its exact message", (args, message) => {
    // The parser the command runs (scripts/offline/plan-args.ts); the test below shows, end to end,
    // how the command prints such a refusal.
    expect(() => parsePlanArgs(args)).toThrow(new UsageError(message));
  });

  it.each([
    [["--bogus"], "unknown argument --bogus"],
    [
      ["--stack", "dev\n- forged line\u001b[2J"],
      "--stack dev\\n- forged line\\u001b[2J is not a stack name: Pulumi stack names are 1-100 letters, digits, hyphens, underscores and periods",
    ],
    [["--all", "--stack", "dev"], "--all plans every committed stack; --stack cannot be combined with it"],
  ])(
    "GIVEN %j THEN the command exits 2 with one line and the usage, no stack trace",
    async (args, message) => {
      const r = await plan(...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`${message}\n${USAGE}\n`);
    },
  );

  it('GIVEN ["--bogus"] THEN the command exits 2 with one line and the usage, no stack trace (its own process)', () => {
    expect(spawnPlan("--bogus")).toEqual({
      status: 2,
      stdout: "",
      stderr: `unknown argument --bogus\n${USAGE}\n`,
    });
  });

  it("GIVEN --help THEN the usage on stdout and exit 0", async () => {
    const r = await plan("--help");
    expect(r).toEqual({ status: 0, stdout: `${USAGE}\n`, stderr: "" });
  });

  it("GIVEN an internal error (here: stdout throws) THEN exits 2 with one line, the stack only with ENGRAM_DEBUG", async () => {
    const r = await runMainFailingStdout(main, ["--help"], {});
    expect(r).toEqual({ status: 2, stdout: "", stderr: "internal error: stdout broke\n" });
    const debug = await runMainFailingStdout(main, ["--help"], { ENGRAM_DEBUG: "1" });
    expect(debug.status).toBe(2);
    expect(debug.stderr).toMatch(/^internal error: stdout broke\nError: stdout broke\nsecond line\n {4}at /);
  });

  it("GIVEN an output folder that cannot be created THEN exits 2 with one line, nothing written", async () => {
    const r = await plan("--stack", "dev", "--out", "/proc/engram-plan-test/x.json");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^cannot write \S+x\.json: [^\n]+; no plan written\n$/);
    expect(r.stdout).toBe("");
  });

  it("GIVEN --out naming a directory THEN exits 2 before planning, writes nothing, no stack trace", async () => {
    const dir = path.join(tmp, "a-directory.json");
    fs.mkdirSync(dir);
    const r = await plan("--stack", "dev", "--out", dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `${path.relative(ROOT, dir)} is a directory or another non-file; name a .json file to write\n${USAGE}\n`,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("GIVEN a report path that cannot be written THEN exits 2 and the JSON is not written either", async () => {
    const out = path.join(tmp, "half", "x.json");
    fs.mkdirSync(path.join(tmp, "half", "x.md"), { recursive: true });
    const r = await plan("--stack", "dev", "--out", out);
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(3);
    expect(r.stderr).not.toContain("    at ");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("GIVEN an output path inside a file THEN exits 2 before planning, one line, no stack trace, nothing written", async () => {
    const file = path.join(tmp, "a-file");
    fs.writeFileSync(file, "");
    const r = await plan("--stack", "dev", "--out", path.join(file, "deeper", "x.json"));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `${path.relative(ROOT, file)} is a file, so ${path.relative(ROOT, path.join(file, "deeper", "x.json"))} cannot be written inside it\n${USAGE}\n`,
    );
    expect(r.stdout).toBe("");
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("GIVEN a refused stack whose previous plan files exist THEN they are removed and the message says so", async () => {
    const dir = path.join(tmp, "stale");
    fs.mkdirSync(dir);
    const out = path.join(dir, "stale.json");
    fs.writeFileSync(out, "{}");
    fs.writeFileSync(path.join(dir, "stale.md"), "# old");
    const file = writeStackFile("Pulumi.stale.yaml", { "engram:waf": false });
    const r = await plan("--stack-file", file, "--out", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      [
        `stack stale: invalid configuration, no plan written; removed the previous ${path.relative(ROOT, out)} and ${path.relative(ROOT, path.join(dir, "stale.md"))}:`,
        "- engram:waf=false is not allowed in prod: prod exposes the API only through the WAF (SOP 000: WAF/APIM front door in prod)",
        "",
      ].join("\n"),
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("GIVEN --stack-file without --stack THEN the stack name comes from the file name, never the default dev", async () => {
    // Three proofs instead of a whole plan in a process of its own (about 2 s of CPU): the parser
    // names the stack and both files after the file; the command runs with that name (a refused
    // copy of the file shows it, before anything is planned); planStack with that name and the
    // file's config (what the command calls with them) plans under it.
    const file = writeStackFile("Pulumi.uat-weu.yaml", {}, "uat");
    const outDir = path.join(tmp, "from-file-name");
    expect(parsePlanArgs(["--stack-file", file, "--out-dir", outDir])).toEqual([
      { stack: "uat-weu", stackFile: file, jsonFile: path.join(outDir, "uat-weu.json") },
    ]);
    fs.mkdirSync(path.join(tmp, "refused-uat-weu"));
    const refusedFile = writeStackFile(
      path.join("refused-uat-weu", "Pulumi.uat-weu.yaml"),
      { "engram:authRequired": false },
      "uat",
    );
    const r = await plan("--stack-file", refusedFile, "--out-dir", outDir);
    expect(r).toEqual({
      status: 1,
      stdout: "",
      stderr: [
        "stack uat-weu: invalid configuration, no plan written:",
        "- engram:authRequired=false is not allowed in uat: AUTH_REQUIRED may be false only in dev (SOP 001 POC mode)",
        "",
      ].join("\n"),
    });
    expect(fs.existsSync(outDir)).toBe(false);

    const { result, report } = await planAfresh({ stack: "uat-weu", config: readStackFile(file) });
    if (!result.ok) throw new Error(result.problems.join("; "));
    const steps = result.plan.steps;
    expect(steps[0].urn).toBe("urn:pulumi:uat-weu::engram-infra::pulumi:pulumi:Stack::engram-infra-uat-weu");
    expect(report).toContain("# Offline plan: stack `uat-weu` (environment `uat`)");
    // A free stack name with uat's config: every URN under that stack, uat's resource group
    // (protected), and the globally unique names suffixed from project and stack name.
    expect(steps.filter((s) => !s.urn.startsWith("urn:pulumi:uat-weu::engram-infra::"))).toEqual([]);
    const rg = steps.find((s) => s.newState.type === "azure-native:resources:ResourceGroup");
    expect([rg?.newState.inputs.resourceGroupName, rg?.newState.protect]).toEqual(["rg-engram-uat", true]);
    const vault = steps.find((s) => s.newState.type === "azure-native:keyvault:Vault");
    expect(vault?.newState.inputs.vaultName).toBe(
      `kv-engram-uat-${defaultNameSuffix("engram-infra", "uat-weu")}`,
    );
  });

  it("GIVEN a YAML error on a line that holds a secret THEN exits 1 with the position only, never the secret", async () => {
    const file = path.join(tmp, "Pulumi.leaky.yaml");
    fs.writeFileSync(
      file,
      "config:\n  engram:environment: prod\n  engram:azureAiKey: [sk-live-NEVER-PRINT\n  engram:waf: true\n",
    );
    const r = await plan("--stack-file", file, "--out", path.join(tmp, "leaky.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain("sk-live");
    expect(r.stderr).toBe(
      `stack leaky: ${path.relative(ROOT, file)} is not valid YAML at line 4, column 3: the indentation is wrong or a bracket is not closed; no plan written\n`,
    );
  });

  it("GIVEN keys the program would silently ignore and a plain provider secret THEN exits 1 naming each, never the secret", async () => {
    const file = writeStackFile("Pulumi.ignored.yaml", {
      "engram-infra:allowDevTokens": false,
      "engrm:waf": true,
      "azure-native:clientSecret": "plain-SECRET-value-123",
    });
    const r = await plan("--stack-file", file, "--out", path.join(tmp, "ignored.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain("plain-SECRET-value-123");
    expect(r.stderr).toBe(
      [
        "stack ignored: invalid configuration, no plan written:",
        "- azure-native:clientSecret=[plain text] is not allowed in prod: credentials are stored encrypted; set it with `pulumi config set --secret azure-native:clientSecret <value>` (SOP 002: no secrets in plain text)",
        "- engram-infra:allowDevTokens is not a known setting: it is in the project's default namespace engram-infra, which this program does not read (`pulumi config set` without a namespace writes there); did you mean engram:allowDevTokens? move it: `pulumi config rm engram-infra:allowDevTokens`, then `pulumi config set engram:allowDevTokens <value>`",
        "- engrm:waf is not a known setting: this program does not read namespace engrm; did you mean engram:waf?",
        "",
      ].join("\n"),
    );
  });

  it("GIVEN a value with a newline and escape sequences THEN the message escapes them (no forged line)", async () => {
    const file = writeStackFile("Pulumi.ctrl.yaml", { "engram:location": "westeurope\n- forged\u001b[31m" });
    const r = await plan("--stack-file", file, "--out", path.join(tmp, "ctrl.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      [
        "stack ctrl: invalid configuration, no plan written:",
        "- engram:location=westeurope\\n- forged\\u001b[31m is not allowed in prod: an Azure region name such as westeurope",
        "",
      ].join("\n"),
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

  it("GIVEN a file that does not exist THEN one line and the usage, exit 2, no stack trace", () => {
    const r = spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/no-such.ts"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'no such file: "scripts/no-such.ts"\nusage: node scripts/run-ts.js <file.ts> [args...]\n',
    );
  });

  it("GIVEN npm run bench with a bad argument THEN one line and the usage, exit 2, no stack trace", () => {
    const r = spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/bench.ts", "--runs", "many"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      "--runs needs a positive whole number\nusage: npm run bench -- [--runs N] [--no-jest]\n",
    );
  });

  it("GIVEN ENGRAM_TS_CACHE=0 THEN nothing is cached", () => {
    const cache = path.join(tmp, "ts-cache-off");
    const file = path.join(tmp, "off.ts");
    fs.writeFileSync(file, "const n: number = 3;\nconsole.log(n);\n");
    expect(runTs(file, { ENGRAM_TS_CACHE_DIR: cache, ENGRAM_TS_CACHE: "0" })).toBe("3\n");
    expect(fs.existsSync(cache)).toBe(false);
  });

  it("GIVEN program modules run through a fresh cache THEN its entries are exactly the transpiler's output for each", () => {
    // With the planted-entry test above (the cache is read), a cached run is the same as an uncached
    // one, without paying for whole plans. These modules import no other TypeScript than each other.
    const cache = path.join(tmp, "ts-cache-modules");
    const entry = path.join(tmp, "modules.ts");
    const modules = [
      "lib/text.ts",
      "lib/environments.ts",
      "lib/cidr.ts",
      "scripts/offline/stack-file.ts",
    ].map((m) => path.join(ROOT, m));
    fs.writeFileSync(
      entry,
      modules.map((m, i) => `import * as m${i} from ${JSON.stringify(m.replace(/\.ts$/, ""))};`).join("\n") +
        `\nconsole.log([${modules.map((_, i) => `typeof m${i}`).join(", ")}].join(" "));\n`,
    );
    expect(runTs(entry, { ENGRAM_TS_CACHE_DIR: cache })).toBe(`${modules.map(() => "object").join(" ")}\n`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { transpileCode } = require("../scripts/transpile") as {
      transpileCode(source: string, file: string): string;
    };
    const expected = [entry, ...modules].map((f) => transpileCode(fs.readFileSync(f, "utf8"), f)).sort();
    const cached = fs
      .readdirSync(cache)
      .map((f) => fs.readFileSync(path.join(cache, f), "utf8"))
      .sort();
    expect(cached).toEqual(expected);
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

  it("GIVEN the dev program under the SDK's own mocks THEN it registers exactly the plan's resources (all steps but the default providers)", async () => {
    // The dev plan this jest run made in its global setup (dev: the smallest whole program).
    const r = await committedPlan("dev");
    if (!r.ok) throw new Error(r.problems.join("; "));
    const steps = r.plan.steps;
    const registered = steps.filter((s) => !s.newState.type.startsWith("pulumi:providers:")).length;
    expect(reference("dev")).toBe(`dev: ${registered} resources registered\n`);
  });

  it("GIVEN --bare 3 THEN it registers the Stack and three role assignments", () => {
    expect(reference("--bare", "3")).toBe("bare: 4 resources registered\n");
  });
});
