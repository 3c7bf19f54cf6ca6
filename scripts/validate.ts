import { CommandIo, internalError } from "./offline/command-io";
import { HelpRequest, parseValidateArgs, USAGE, UsageError, ValidateArgs } from "./validate/args";
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
 *
 * `main` is the command in this process: it writes to `io`, returns the exit code and never throws;
 * run as a script (below), the process exits with that code.
 */
export async function main(argv: string[], io: CommandIo = process): Promise<number> {
  const env = io.env ?? process.env;
  try {
    let args: ValidateArgs;
    try {
      args = parseValidateArgs(argv, env);
    } catch (err) {
      if (!(err instanceof HelpRequest)) throw err;
      io.stdout.write(`${helpText(USAGE)}\n`);
      return 0;
    }
    return await validate(args, env, (line) => io.stdout.write(`${line}\n`));
  } catch (err) {
    if (err instanceof UsageError) io.stderr.write(`${err.message}\n${USAGE}\n`);
    else if (err instanceof SetupError) io.stderr.write(`${err.message}\n`);
    // A bug of ours: one line, the stack only on request.
    else return internalError(err, io);
    return 2;
  }
}

// run-ts.js loads the file with require (so require.main is run-ts.js) and sets argv[1] to it.
if (require.main === module || process.argv[1] === __filename)
  void main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => process.exit(internalError(err, process)),
  );
