import { escapeText } from "../../lib/text";
import { ACCESS_CHECKS } from "./checks-access";
import { API_CHECKS } from "./checks-api";
import { CICD_CHECKS } from "./checks-cicd";
import { DATA_CHECKS } from "./checks-data";
import { RUNTIME_CHECKS } from "./checks-runtime";
import { TOKEN_CHECKS } from "./checks-tokens";
import { HttpError, UnreachableError } from "./rest";
import { Check, Context, fail, Outcome, skip } from "./types";

/** Every check, in the order SOP 000's per-release checklist reads (API, MCP, tokens, identities, data, runtime, SWA, CI/CD). */
export const CHECKS: readonly Check[] = [
  ...API_CHECKS,
  ...TOKEN_CHECKS,
  ...ACCESS_CHECKS,
  ...DATA_CHECKS,
  ...RUNTIME_CHECKS,
  ...CICD_CHECKS,
];

export interface CheckResult extends Outcome {
  id: string;
  title: string;
  sop: string;
}

/** A check that could not finish: a read the identity may not make is a SKIP, anything else a FAIL. */
function outcomeOfError(err: unknown): Outcome {
  if (err instanceof HttpError && err.forbidden)
    return skip(`${err.message}: the signed-in identity may not read it (it needs read access there)`);
  if (err instanceof HttpError || err instanceof UnreachableError) return fail(err.message);
  const message = err instanceof Error ? err.message : String(err);
  return fail(`the check failed to run: ${escapeText(message.split("\n")[0])}`);
}

/** Runs the checks one after another (their order is the report's); one that throws does not stop the rest. */
export async function runChecks(ctx: Context, checks: readonly Check[] = CHECKS): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) {
    let o: Outcome;
    try {
      o = await c.run(ctx);
    } catch (err) {
      o = outcomeOfError(err);
    }
    out.push({ id: c.id, title: c.title, sop: c.sop, ...o });
  }
  return out;
}
