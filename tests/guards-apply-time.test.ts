import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";

/**
 * Guards that fire inside an apply, on values known only at deployment time (issue 14 (b)): the
 * scope refusal of `grant()` for a scope given as an Output, the Container App's CORS refusal, and
 * the SPA's redirect-URI check on Output URIs. Config validation refuses the inputs that would
 * reach them, so only a small program proves they work. Each program (tests/fixtures/
 * apply-time-guard.ts) runs under the offline engine in its own Node process: inside jest, an
 * error thrown in an apply never reaches the engine (it waits until the test times out).
 */

const ROOT = path.resolve(__dirname, "..");
const run = promisify(execFile);

interface Outcome {
  error: string | null;
  types: string[];
  inputs: Record<string, unknown>[];
}

const CASES = [
  "grant-output-subscription",
  "grant-output-management-group",
  "grant-output-root",
  "grant-output-resource-group",
  "cors-wildcard",
  "cors-wildcard-subdomain-output",
  "cors-empty-output",
  "cors-explicit-output",
  "spa-output-localhost-refused",
  "spa-output-http-refused-with-localhost-allowed",
  "spa-output-localhost-allowed",
] as const;
type Case = (typeof CASES)[number];

const outcomes = new Map<Case, Outcome>();

beforeAll(async () => {
  const { stdout } = await run(
    process.execPath,
    ["scripts/run-ts.js", "tests/fixtures/apply-time-guard.ts"],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  const all = JSON.parse(stdout) as Record<string, Outcome>;
  expect(Object.keys(all).sort()).toEqual([...CASES].sort());
  for (const c of CASES) outcomes.set(c, all[c]);
});

const outcome = (c: Case): Outcome => {
  const o = outcomes.get(c);
  if (!o) throw new Error(`no outcome for ${c}`);
  return o;
};

/** The SDK reports an apply's error as a failure to serialize the input property it feeds. */
const serializing = (message: string) =>
  new RegExp(`^error serializing property "[A-Za-z]+": ${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);

describe("grant(): a scope given as an Output is checked when it resolves", () => {
  it.each([
    ["grant-output-subscription", "/subscriptions/00000000-0000-0000-0000-000000000000"],
    ["grant-output-management-group", "/providers/Microsoft.Management/managementGroups/engram"],
    ["grant-output-root", "/"],
  ] as const)(
    "GIVEN %s THEN the run fails with the scope refusal and no role assignment is registered",
    (c, scope) => {
      const o = outcome(c);
      expect(o.error).toMatch(
        serializing(
          `role assignment backend -> Reader on scope "${scope}" is refused: assignments are made at resource or resource-group scope, never at subscription, management-group or root scope (DESIGN.md §4, SOP 000 least privilege)`,
        ),
      );
      expect(o.types).toEqual(["pulumi:pulumi:Stack", "engram:test:Parent"]);
    },
  );

  it("GIVEN a resource-group scope as an Output THEN the assignment is registered on it", () => {
    const o = outcome("grant-output-resource-group");
    expect(o.error).toBeNull();
    expect(o.types).toEqual([
      "pulumi:pulumi:Stack",
      "engram:test:Parent",
      "azure-native:authorization:RoleAssignment",
    ]);
    expect(o.inputs[0]).toMatchObject({
      scope: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-prod",
      principalType: "ServicePrincipal",
      roleDefinitionId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
    });
  });
});

describe("ContainerApp: CORS origins are explicit, never a wildcard", () => {
  const refusal = 'ca-engram-prod-backend: CORS origins are explicit origins, never "*" (SOP 001)';

  it.each(["cors-wildcard", "cors-wildcard-subdomain-output", "cors-empty-output"] as const)(
    "GIVEN %s THEN the run fails with the CORS refusal and no Container App is registered",
    (c) => {
      const o = outcome(c);
      expect(o.error).toMatch(serializing(refusal));
      expect(o.types).toEqual(["pulumi:pulumi:Stack", "engram:runtime:ContainerApp"]);
    },
  );

  it("GIVEN explicit https origins as an Output THEN the app is registered with exactly those origins", () => {
    const o = outcome("cors-explicit-output");
    expect(o.error).toBeNull();
    expect(o.types).toEqual([
      "pulumi:pulumi:Stack",
      "engram:runtime:ContainerApp",
      "azure-native:app:ContainerApp",
    ]);
    expect(o.inputs[0]).toMatchObject({
      configuration: {
        ingress: {
          corsPolicy: {
            allowedOrigins: ["https://app.engram.example", "https://calm-1.5.azurestaticapps.net"],
          },
        },
      },
    });
  });
});

describe("EntraSpaApp: redirect URIs known only at deployment time", () => {
  it("GIVEN a localhost URI in an Output without allowLocalhost (uat, staging, prod) THEN the run fails and no registration is made", () => {
    const o = outcome("spa-output-localhost-refused");
    expect(o.error).toMatch(
      serializing(
        "engram-web-prod: redirect URI http://localhost:3000 is refused: SPA redirect URIs are https; localhost is allowed only in dev and test (SOP 001 CORS)",
      ),
    );
    expect(o.types).toEqual(["pulumi:pulumi:Stack", "engram:entra:EntraSpaApp"]);
  });

  it("GIVEN allowLocalhost (dev, test) and a plain-http URI that is not localhost THEN it is refused all the same", () => {
    const o = outcome("spa-output-http-refused-with-localhost-allowed");
    expect(o.error).toMatch(
      serializing(
        "engram-web-prod: redirect URI http://dev.engram.example is refused: SPA redirect URIs are https or http://localhost:PORT",
      ),
    );
    expect(o.types).toEqual(["pulumi:pulumi:Stack", "engram:entra:EntraSpaApp"]);
  });

  it("GIVEN allowLocalhost and a localhost URI in an Output THEN the registration carries it", () => {
    const o = outcome("spa-output-localhost-allowed");
    expect(o.error).toBeNull();
    expect(o.inputs[0]).toMatchObject({
      singlePageApplication: { redirectUris: ["https://dev.engram.example", "http://localhost:3000"] },
    });
  });
});
