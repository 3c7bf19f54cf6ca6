import { escapeText } from "../lib/text";
import { HelpRequest, parseValidateArgs, USAGE, UsageError } from "./validate/args";
import { helpText } from "./validate/report";
import { SetupError, validate } from "./validate/run";

/**
 * `npm run validate -- --stack <name> [--outputs <outputs.json>] [--report <file.json>] ...`
 *
 * SOP 000's "Validation Checklist (per release)" as a command against the deployed environment: reads
 * the stack's outputs, checks the live estate read-only (ARM, Microsoft Graph, the tenant's OpenID
 * configuration, the API and the Static Web App over HTTPS), prints one line per check (PASS, FAIL or
 * SKIP with the reason) and writes a JSON report (default build/validate-<stack>.json).
 * Exit codes: 0 nothing failed; 1 a check failed (with --strict also a skip); 2 a wrong command line,
 * outputs or a stack file that cannot be read, or a report that cannot be written. `--help` lists
 * every check with the SOP line it proves.
 */
async function main(): Promise<number> {
  const args = parseValidateArgs(process.argv.slice(2));
  return validate(args, process.env, (line) => process.stdout.write(`${line}\n`));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof HelpRequest) {
      process.stdout.write(`${helpText(USAGE)}\n`);
      process.exit(0);
    }
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n${USAGE}\n`);
    else if (err instanceof SetupError) process.stderr.write(`${err.message}\n`);
    else {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`internal error: ${escapeText(message.split("\n")[0])}\n`);
      if (process.env.ENGRAM_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    }
    process.exit(2);
  },
);
