import type { Expected } from "./expected";
import type { StackOutputs } from "./outputs";
import type { Rest, TokenSource } from "./rest";
import type { AppRole } from "./routes";

/**
 * The vocabulary of `npm run validate`: a check, what it needs (the context), and what it says
 * (an outcome: PASS, FAIL or SKIP, one reason, and the evidence an auditor keeps).
 */

export type Status = "PASS" | "FAIL" | "SKIP";

export interface Outcome {
  status: Status;
  /** One line: what was proved, what is wrong, or why nothing could be proved. */
  reason: string;
  /** What was read, one fact a line (names, ids, settings; never a secret value). */
  evidence: string[];
}

export const pass = (reason: string, evidence: string[] = []): Outcome => ({
  status: "PASS",
  reason,
  evidence,
});
export const fail = (reason: string, evidence: string[] = []): Outcome => ({
  status: "FAIL",
  reason,
  evidence,
});
export const skip = (reason: string, evidence: string[] = []): Outcome => ({
  status: "SKIP",
  reason,
  evidence,
});

/** Problems found, or a PASS with the evidence: one FAIL lists every problem, `; `-separated. */
export function verdict(problems: string[], passReason: string, evidence: string[] = []): Outcome {
  return problems.length ? fail(problems.join("; "), evidence) : pass(passReason, evidence);
}

/** Everything a check reads: the stack's outputs, what the plan expects, and the clients. */
export interface Context {
  outputs: StackOutputs;
  expected: Expected;
  arm: Rest;
  graph: Rest;
  /** Base URL of the Entra login endpoint (`https://login.microsoftonline.com`). */
  loginUrl: string;
  /** The API's base URL (the stack's `backendUrl` unless overridden). */
  apiUrl: string;
  /** The Static Web App's base URL (`https://<webHostname>` unless overridden). */
  webUrl: string;
  tokens: TokenSource;
  /** Tokens of test principals, one per app role, when configured (ENGRAM_VALIDATE_TOKEN_<ROLE>). */
  roleTokens: Partial<Record<AppRole, string>>;
  /** A token for the API scope given from outside (ENGRAM_VALIDATE_API_TOKEN), if any. */
  apiToken?: string;
  /** `owner/repo` whose workflows the deployer identities trust (GITHUB_REPOSITORY or --github-repo). */
  githubRepo?: string;
  /** Reads shared between checks (an identity's principal id is read once). */
  memo: Map<string, Promise<unknown>>;
}

/** One row of SOP 000's per-release validation, as a command. */
export interface Check {
  id: string;
  /** The SOP line it proves, quoted. */
  sop: string;
  /** What it checks, one line (for --help and the report). */
  title: string;
  /** It compares with the offline plan of the stack (a run plans the stack only when a check it runs does). */
  usesPlan?: boolean;
  run(ctx: Context): Promise<Outcome>;
}

/** Reads a value once per run (`memo`), whichever check asks first. */
export function once<T>(ctx: Context, key: string, read: () => Promise<T>): Promise<T> {
  let p = ctx.memo.get(key) as Promise<T> | undefined;
  if (!p) {
    p = read();
    ctx.memo.set(key, p);
  }
  return p;
}
