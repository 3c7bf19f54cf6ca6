import { spawnSync } from "child_process";
import * as fs from "fs";
import { ENVIRONMENTS } from "../../lib/environments";
import { escapeText } from "../../lib/text";

/**
 * The stack outputs validate reads (src/program.ts returns them): names, ids and URLs, never a
 * secret. From `pulumi stack output --json --show-secrets=false`, or from a file holding that JSON.
 */
export interface StackOutputs {
  environment: string;
  resourceGroupName: string;
  resourceGroupId: string;
  tenantId: string;
  webHostname: string;
  serviceIdentityClientIds: Record<string, string>;
  apiClientId: string;
  apiAudience: string;
  apiIssuer: string;
  apiScope: string;
  keyVaultName: string;
  storageAccountName: string;
  postgresAppHost: string;
  backendUrl: string;
}

const STRINGS = [
  "environment",
  "resourceGroupName",
  "resourceGroupId",
  "tenantId",
  "webHostname",
  "apiClientId",
  "apiAudience",
  "apiIssuer",
  "apiScope",
  "keyVaultName",
  "storageAccountName",
  "postgresAppHost",
  "backendUrl",
] as const;

/** Outputs that cannot be read, or lack what validate needs: exit code 2. */
export class OutputsError extends Error {}

/** Checks the shape; every missing or wrong output is named in one message. */
export function parseOutputs(value: unknown, source: string): StackOutputs {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new OutputsError(`${source} is not a JSON object of stack outputs`);
  const o = value as Record<string, unknown>;
  const bad = STRINGS.filter((k) => typeof o[k] !== "string" || o[k] === "" || o[k] === "[secret]");
  const ids = o.serviceIdentityClientIds;
  if (ids === null || typeof ids !== "object") bad.push("serviceIdentityClientIds" as never);
  if (bad.length)
    throw new OutputsError(`${source} lacks the stack output${bad.length > 1 ? "s" : ""} ${bad.join(", ")}`);
  if (!(ENVIRONMENTS as readonly string[]).includes(String(o.environment)))
    throw new OutputsError(
      `${source}: environment ${escapeText(String(o.environment))} is not one of ${ENVIRONMENTS.join(", ")}`,
    );
  if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(String(o.resourceGroupId)))
    throw new OutputsError(
      `${source}: resourceGroupId ${escapeText(String(o.resourceGroupId))} is not a resource group id`,
    );
  return o as unknown as StackOutputs;
}

export function readOutputsFile(file: string): StackOutputs {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new OutputsError(
      `cannot read ${escapeText(file)}: ${escapeText((err as Error).message.split("\n")[0])}`,
    );
  }
  try {
    return parseOutputs(JSON.parse(text), escapeText(file));
  } catch (err) {
    if (err instanceof OutputsError) throw err;
    throw new OutputsError(`${escapeText(file)} is not JSON`);
  }
}

/** `pulumi stack output --json --show-secrets=false --stack <stack>` (the CLI of the deploy job). */
export function readOutputsFromPulumi(stack: string): StackOutputs {
  const r = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets=false", "--stack", stack], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error)
    throw new OutputsError(
      `cannot run the Pulumi CLI (${escapeText(r.error.message)}); give --outputs <file.json>`,
    );
  if (r.status !== 0)
    throw new OutputsError(
      `pulumi stack output failed for stack ${escapeText(stack)}: ${escapeText(r.stderr.trim().split("\n")[0] ?? "")}`,
    );
  try {
    return parseOutputs(JSON.parse(r.stdout), `the outputs of stack ${escapeText(stack)}`);
  } catch (err) {
    if (err instanceof OutputsError) throw err;
    throw new OutputsError(`pulumi stack output for ${escapeText(stack)} did not print JSON`);
  }
}

/** The subscription of the environment, from its resource group id. */
export const subscriptionOf = (o: StackOutputs): string => o.resourceGroupId.split("/")[2];
