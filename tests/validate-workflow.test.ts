import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ENVIRONMENTS } from "./helpers/plan";

/**
 * The deploy workflow validates each release (issue 19, SOP 000 "Validation Checklist (per
 * release)"): in every deploy job, right after `pulumi up`, `npm run validate` for that stack, then
 * the report uploaded as an artifact whatever the outcome (`if: always()`), with a pinned action.
 */

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
type Workflow = { jobs: Record<string, { env?: Record<string, string>; steps: Step[] }> };

const FILE = path.join(__dirname, "..", ".github", "workflows", "deploy.yml");
const deploy = (): Workflow => parse(fs.readFileSync(FILE, "utf8")) as Workflow;

/** What is wrong with a deploy job's validation, one line a problem. */
function validationProblems(wf: Workflow, env: string): string[] {
  const steps = wf.jobs[`deploy-${env}`]?.steps ?? [];
  const up = steps.findIndex((s) => s.run?.startsWith("pulumi up"));
  const v = steps.findIndex((s) => s.run?.startsWith("npm run validate"));
  const problems: string[] = [];
  if (v < 0) return [`deploy-${env}: no npm run validate`];
  if (v !== up + 1)
    problems.push(`deploy-${env}: npm run validate is step ${v}, not right after pulumi up (step ${up})`);
  if (steps[v].run !== 'npm run validate -- --stack "$STACK" --report "build/validate-$STACK.json"')
    problems.push(`deploy-${env}: validate runs ${JSON.stringify(steps[v].run)}`);
  if (steps[v].if !== undefined) problems.push(`deploy-${env}: validate runs under if: ${steps[v].if}`);
  // Prod's backendUrl is internal (behind the WAF): the environment's API_URL names the public API.
  if (steps[v].env?.ENGRAM_VALIDATE_API_URL !== "${{ vars.API_URL }}")
    problems.push(
      `deploy-${env}: validate's API URL is ${JSON.stringify(steps[v].env?.ENGRAM_VALIDATE_API_URL)}`,
    );
  const upload = steps[v + 1];
  if (!upload?.uses?.match(/^actions\/upload-artifact@[0-9a-f]{40}$/))
    problems.push(
      `deploy-${env}: the step after validate is ${JSON.stringify(upload?.uses ?? upload?.run)}, not a pinned upload-artifact`,
    );
  else {
    if (upload.if !== "always()")
      problems.push(`deploy-${env}: the report is uploaded under if: ${JSON.stringify(upload.if)}`);
    if (upload.with?.name !== `validate-${env}` || upload.with?.path !== `build/validate-${env}.json`)
      problems.push(`deploy-${env}: uploads ${JSON.stringify(upload.with)}`);
  }
  return problems;
}

describe("deploy.yml validates every release and keeps the report", () => {
  it.each(ENVIRONMENTS)(
    "deploy-%s: validate right after pulumi up, then the report uploaded if: always()",
    (env) => {
      expect(deploy().jobs[`deploy-${env}`].env?.STACK).toBe(env);
      expect(validationProblems(deploy(), env)).toEqual([]);
    },
  );

  it("the rule catches a job that validates before the up, one without validate, and an upload that only runs on success", () => {
    const wf = deploy();
    const dev = wf.jobs["deploy-dev"].steps;
    const i = dev.findIndex((s) => s.run?.startsWith("npm run validate"));
    [dev[i - 1], dev[i]] = [dev[i], dev[i - 1]];
    wf.jobs["deploy-test"].steps = wf.jobs["deploy-test"].steps.filter(
      (s) => !s.run?.startsWith("npm run validate"),
    );
    delete wf.jobs["deploy-prod"].steps.find((s) => s.uses?.startsWith("actions/upload-artifact"))!.if;
    delete wf.jobs["deploy-prod"].steps.find((s) => s.run?.startsWith("npm run validate"))!.env;
    expect(validationProblems(wf, "dev")).toEqual([
      "deploy-dev: npm run validate is step 6, not right after pulumi up (step 7)",
      'deploy-dev: the step after validate is "pulumi up --stack \\"$STACK\\" --yes --non-interactive --diff --suppress-progress --policy-pack policy", not a pinned upload-artifact',
    ]);
    expect(validationProblems(wf, "test")).toEqual(["deploy-test: no npm run validate"]);
    expect(validationProblems(wf, "prod")).toEqual([
      "deploy-prod: validate's API URL is undefined",
      "deploy-prod: the report is uploaded under if: undefined",
    ]);
  });

  it("pins upload-artifact to the same commit as the pull-request workflow", () => {
    const pr = fs.readFileSync(
      path.join(__dirname, "..", ".github", "workflows", "pull-request.yml"),
      "utf8",
    );
    const pinned = /actions\/upload-artifact@([0-9a-f]{40}) # (v[\d.]+)/.exec(pr)!;
    for (const env of ENVIRONMENTS)
      expect(
        deploy().jobs[`deploy-${env}`].steps.find((s) => s.uses?.startsWith("actions/upload-artifact"))!.uses,
      ).toBe(`actions/upload-artifact@${pinned[1]}`);
  });
});
