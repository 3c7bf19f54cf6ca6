import type { CheckResult } from "../../scripts/validate/checks";
import { CHECKS, runChecks } from "../../scripts/validate/checks";
import type { Expected } from "../../scripts/validate/expected";
import type { StackOutputs } from "../../scripts/validate/outputs";
import type { TokenSource } from "../../scripts/validate/rest";
import { contextOf } from "../../scripts/validate/run";
import { Fake, startFake } from "./fake-azure";
import {
  expectedOf,
  fakeEnv,
  fakeTokens,
  goodState,
  outputsFor,
  REPO,
  signTokens,
  TestTokens,
} from "./fake-estate";
import { PlanChange, planOk } from "./plan";

/**
 * Runs validate's checks in this process against the fake Azure (tests/helpers/fake-azure.ts),
 * with the estate of a committed stack's plan; `stack()` resets the fake to the good estate.
 */
export interface Harness {
  fake: Fake;
  tokens: TestTokens;
  outputs: StackOutputs;
  expected: Expected;
  /** Loads a stack and resets the fake to its good estate. */
  stack(name: string, change?: PlanChange): Promise<void>;
  /** Runs one check; `env` adds environment variables (role tokens), `expected` changes what is expected. */
  check(
    id: string,
    opts?: {
      env?: Record<string, string>;
      expected?: Partial<Expected>;
      repo?: string | null;
      outputs?: Partial<StackOutputs>;
      tokens?: TokenSource;
    },
  ): Promise<CheckResult>;
}

/** The four test principals' tokens, as the workflow would set them. */
export const roleTokenEnv = (t: TestTokens): Record<string, string> => ({
  ENGRAM_VALIDATE_TOKEN_ADMIN: t.tokens.Admin,
  ENGRAM_VALIDATE_TOKEN_ANALYST: t.tokens.Analyst,
  ENGRAM_VALIDATE_TOKEN_PM: t.tokens.PM,
  ENGRAM_VALIDATE_TOKEN_VIEWER: t.tokens.Viewer,
});

export function harness(): Harness {
  const h = { tokens: signTokens() } as Harness;
  beforeAll(async () => {
    h.fake = await startFake(undefined as never);
  });
  afterAll(() => h.fake.close());
  h.stack = async (name, change) => {
    const r = await planOk(name, change);
    h.outputs = outputsFor(r);
    h.expected = expectedOf(r);
    h.fake.state = goodState(h.expected, h.outputs, h.tokens, h.fake.url);
    h.fake.requests.length = 0;
  };
  h.check = async (id, opts = {}) => {
    const env = { ...fakeEnv(h.fake.url), ...(opts.env ?? {}) };
    const repo = opts.repo === null ? undefined : (opts.repo ?? REPO);
    const ctx = contextOf(
      { ...h.outputs, ...opts.outputs },
      { ...h.expected, ...opts.expected },
      opts.tokens ?? fakeTokens(h.tokens),
      env,
      repo,
    );
    const check = CHECKS.find((c) => c.id === id);
    if (!check) throw new Error(`no check ${id}`);
    return (await runChecks(ctx, [check]))[0];
  };
  return h;
}
