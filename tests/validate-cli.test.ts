import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseValidateArgs, UsageError } from "../scripts/validate/args";
import { CHECKS } from "../scripts/validate/checks";
import { summaryMarkdown } from "../scripts/validate/report";
import { main } from "../scripts/validate";
import { runMain, runMainFailingStdout } from "./helpers/cli";
import { ISSUER, REPO } from "./helpers/fake-estate";
import { roleTokenEnv } from "./helpers/validate-harness";
import { harness } from "./helpers/validate-harness";
import { fakeEnv } from "./helpers/fake-estate";

/**
 * `npm run validate` end to end, as the deploy workflow runs it: its own process, the stack's
 * outputs from a file, the expectations from the committed stack file's plan, every endpoint on the
 * local fake (tests/helpers/fake-azure.ts), tokens given in the environment. Here tokens.jwt runs
 * with jose for real (ESM, which jest cannot load in-process): PASS on a good token, FAIL on a
 * foreign signature and on another audience.
 *
 * Real processes remain once per kind of outcome, to prove the wiring (exit code, which stream) end
 * to end, and where only a process can run the check (jose): exit 0, the whole run of dev; exit 1, a
 * token of a foreign key, and one for another audience (jose both); exit 2, a wrong command line;
 * exit 2, outputs that cannot be used. The other cases run the command's `main` in this process
 * (validateInProcess: the same lines, exit code and report); an internal error has no trigger from
 * outside and is proved in process.
 */
const h = harness();
const ROOT = path.resolve(__dirname, "..");
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-validate-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** This process's environment without what would steer validate (endpoints, tokens, the repository). */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith("ENGRAM_VALIDATE_") && !k.startsWith("GITHUB_"),
    ),
  );

/** The command's main in this process (tests/helpers/cli.ts), with the environment a spawn would get. */
async function validateInProcess(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const r = await runMain(main, args, { ...cleanEnv(), ...env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command in its own process; async, so the fake in this process can answer it. */
function validate(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const clean = cleanEnv();
    const child = spawn(
      process.execPath,
      [path.join(ROOT, "scripts", "run-ts.js"), path.join(ROOT, "scripts", "validate.ts"), ...args],
      {
        cwd: ROOT,
        env: { ...clean, ...env },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function tokenEnv(api: string): Record<string, string> {
  return {
    ...fakeEnv(h.fake.url),
    ENGRAM_VALIDATE_ARM_TOKEN: h.tokens.tokens.arm,
    ENGRAM_VALIDATE_GRAPH_TOKEN: h.tokens.tokens.graph,
    ENGRAM_VALIDATE_API_TOKEN: api,
    GITHUB_REPOSITORY: REPO,
  };
}

describe("npm run validate: the command line", () => {
  it("--help names every check and the SOP line it proves; exit 0", async () => {
    const r = await validateInProcess(["--help"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const c of CHECKS)
      expect(r.stdout).toContain(`  ${c.id}\n      ${c.title}\n      proves: ${c.sop}\n`);
    expect(r.stdout).toContain("  data.postgres\n");
    expect(r.stdout).toContain(
      'proves: SOP 000 checklist "Postgres: MI-based connection succeeds; password auth disabled in prod"',
    );
    expect(CHECKS).toHaveLength(20);
  });
  it("a wrong command line: one line, the usage, exit 2", async () => {
    const r = await validate(["--stack", "dev", "--only", "api.helth"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toMatch(
      /^--only names no check api\.helth; the checks are api\.health, api\.ready, /,
    );
  });
  it.each([
    [[], "--stack <name> is required: the stack whose release is validated"],
    [["--stack"], "--stack needs a value"],
    [["--stack", "dev", "--stack", "prod"], "--stack is given twice"],
    [["--stack", "dev", "--report", "out.txt"], "--report out.txt must name a .json file"],
    [["--stack", "dev", "--strict=yes"], "--strict takes no value"],
    [["--stack", "dev", "--github-repo", "just-a-name"], "--github-repo just-a-name is not <owner>/<repo>"],
    [["--stack", "dev", "extra"], "unknown argument extra"],
  ])("refuses %j: %s", (argv, message) => {
    expect(() => parseValidateArgs(argv, {})).toThrow(new UsageError(message));
  });
  it("an internal error (here: stdout throws): one line, exit 2, the stack only with ENGRAM_DEBUG", async () => {
    const r = await runMainFailingStdout(main, ["--help"], {});
    expect(r).toEqual({ status: 2, stdout: "", stderr: "internal error: stdout broke\n" });
    const debug = await runMainFailingStdout(main, ["--help"], { ENGRAM_DEBUG: "1" });
    expect(debug.stderr).toMatch(/^internal error: stdout broke\nError: stdout broke\nsecond line\n {4}at /);
  });
  it("outputs without what validate needs: one line, exit 2, no report", async () => {
    const file = path.join(dir, "bad-outputs.json");
    fs.writeFileSync(file, JSON.stringify({ environment: "dev" }));
    const r = await validate(["--stack", "dev", "--outputs", file, "--report", path.join(dir, "never.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^\S+bad-outputs\.json lacks the stack outputs resourceGroupName, resourceGroupId, tenantId, .*serviceIdentityClientIds\n$/,
    );
    expect(fs.existsSync(path.join(dir, "never.json"))).toBe(false);
  });
});

describe("the job summary", () => {
  it("escapes a pipe or a line break in a reason, so a value cannot break the table", () => {
    const md = summaryMarkdown(
      "dev",
      [
        {
          id: "data.storage",
          title: "t",
          sop: "SOP 000",
          status: "FAIL",
          reason: "container a|b\nis public",
          evidence: [],
        },
      ],
      false,
    );
    expect(md.split("\n")[4]).toBe("| FAIL | `data.storage` | container a\\|b is public | SOP 000 |");
    expect(md.split("\n")[0]).toBe(
      "### Release validation: stack dev: 0 passed, 1 failed, 0 skipped: release NOT validated",
    );
  });
});

describe("npm run validate: outputs of another environment than the stack file", () => {
  it("one line, exit 2, before any check runs", async () => {
    await h.stack("test");
    const file = path.join(dir, "test-outputs.json");
    fs.writeFileSync(file, JSON.stringify(h.outputs));
    const r = await validateInProcess(
      ["--stack", "dev", "--outputs", file, "--only", "data.storage"],
      tokenEnv(h.tokens.tokens.api),
    );
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
      code: 2,
      stderr: "the outputs are of environment test, the stack file of dev\n",
      stdout: "",
    });
  });
});

describe("npm run validate: a whole run against the fake estate of dev", () => {
  beforeEach(() => h.stack("dev"));
  const outputsFile = () => {
    const f = path.join(dir, "dev-outputs.json");
    fs.writeFileSync(f, JSON.stringify(h.outputs));
    return f;
  };

  it("GIVEN a good estate THEN every check PASSes but runtime.cluster (no cluster on ACA), exit 0, and the report keeps the evidence", async () => {
    const report = path.join(dir, "validate-dev.json");
    const r = await validate(["--stack", "dev", "--outputs", outputsFile(), "--report", report], {
      ...tokenEnv(h.tokens.tokens.api),
      ...roleTokenEnv(h.tokens),
      GITHUB_STEP_SUMMARY: path.join(dir, "summary.md"),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe(
      "validating stack dev (dev, runtime aca) in /subscriptions/3b1d2c4e-5f60-4a7b-8c9d-0e1f2a3b4c5d/resourceGroups/rg-engram-dev",
    );
    expect(lines.slice(1, 21).map((l) => l.split(":")[0])).toEqual(
      CHECKS.map((c) => `${c.id === "runtime.cluster" ? "SKIP" : "PASS"} ${c.id}`),
    );
    expect(lines).toContain(
      "PASS tokens.jwt: a token of ENGRAM_VALIDATE_API_TOKEN validates against the tenant's keys for audience and issuer",
    );
    expect(lines[21]).toBe("stack dev: 19 passed, 0 failed, 1 skipped: release validated");
    const json = JSON.parse(fs.readFileSync(report, "utf8"));
    expect(json).toMatchObject({
      stack: "dev",
      environment: "dev",
      runtime: "aca",
      summary: { pass: 19, fail: 0, skip: 1 },
      strict: false,
    });
    expect(json.checks.find((c: { id: string }) => c.id === "tokens.jwt").evidence[0]).toBe(
      `aud "a0000000-0000-4000-8000-000000000001", iss "${ISSUER}", ver "2.0", kid "test-key"`,
    );
    // The job summary: the verdict and a row per check.
    const summary = fs.readFileSync(path.join(dir, "summary.md"), "utf8");
    expect(summary.split("\n").slice(0, 3)).toEqual([
      "### Release validation: stack dev: 19 passed, 0 failed, 1 skipped: release validated",
      "",
      "| result | check | reason | SOP line |",
    ]);
    expect(summary).toContain(
      '| PASS | `api.health` | /health answers 200 without a token | SOP 000 checklist "API: /health,/ready"; SOP 001 "keep /health unauthenticated" |',
    );
    // The report holds names and ids, never a token.
    for (const t of Object.values(h.tokens.tokens)) expect(fs.readFileSync(report, "utf8")).not.toContain(t);
  });

  it("GIVEN a token signed by another key, or for another audience THEN tokens.jwt FAILs, exit 1; --strict fails a skip too (runs that compare nothing with the plan do not plan the stack)", async () => {
    const only = [
      "--stack",
      "dev",
      "--outputs",
      outputsFile(),
      "--only",
      "tokens.jwt",
      "--report",
      path.join(dir, "jwt.json"),
    ];
    const foreign = await validate(only, tokenEnv(h.tokens.tokens.foreign));
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toContain(
      `FAIL tokens.jwt: a token of ENGRAM_VALIDATE_API_TOKEN does not validate (ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature verification failed); expected audience ["a0000000-0000-4000-8000-000000000001","api://engram-dev"] and issuer "${ISSUER}"`,
    );
    const other = await validate(only, tokenEnv(h.tokens.tokens.otherAudience));
    expect(other.stdout).toContain(
      'FAIL tokens.jwt: a token of ENGRAM_VALIDATE_API_TOKEN does not validate (ERR_JWT_CLAIM_VALIDATION_FAILED: unexpected "aud" claim value)',
    );
    const strict = await validateInProcess(
      [...only.slice(0, 4), "--only", "api.roles", "--strict", "--report", path.join(dir, "strict.json")],
      tokenEnv(h.tokens.tokens.api),
    );
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain(
      "stack dev: 0 passed, 0 failed, 1 skipped: release NOT validated (--strict: a skip counts as a failure)",
    );
  });
});
