import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { placeholderCall, placeholderResource } from "./offline/placeholders";

/**
 * Reference points for `npm run bench`, not a tool. Each runs under the SDK's own
 * `pulumi.runtime.setMocks` and records nothing and writes no file:
 * - `<stack>`: the real program for that stack, with the offline plan's config and placeholders.
 *   What the SDK itself costs to run this program offline; the plan's time minus this is the plan
 *   engine's own cost.
 * - `<stack> --load-only`: stops after importing the program, the engine and their packages
 *   (azure-native loads a resource's module only when the program first uses it).
 * - `--bare <n>`: no program, only n RoleAssignments with five short inputs each. What the SDK
 *   costs per resource at the least, whatever the program does.
 * Usage: node scripts/run-ts.js scripts/bench-sdk-mocks.ts (<stack> [--load-only] | --bare <n>)
 */

type Program = () => Promise<Record<string, unknown> | void>;

/** `n` role assignments, the smallest common resource of the estate. */
function bare(n: number): Program {
  return async () => {
    for (let i = 0; i < n; i++)
      new authorization.RoleAssignment(`bare-${i}`, {
        principalId: "00000000-0000-0000-0000-000000000001",
        principalType: "ServicePrincipal",
        roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/reader",
        scope: "/subscriptions/00000000-0000-0000-0000-000000000000",
        roleAssignmentName: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
      });
    return {};
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const bareAt = args.indexOf("--bare");
  const count = bareAt >= 0 ? Number(args[bareAt + 1]) : undefined;
  if (count !== undefined && !(Number.isInteger(count) && count >= 0))
    throw new Error(`--bare ${args[bareAt + 1]} is not a whole number`);
  const stack = count === undefined ? (args[0] ?? "dev") : "bare";
  // The program and the plan's modules are imported only where they are measured.
  let program: Program = bare(count ?? 0);
  let project = "bench";
  if (count === undefined) {
    const [{ engram }, { planConfig, PROJECT }] = await Promise.all([
      import("../src/program"),
      import("./offline/plan"),
    ]);
    if (args.includes("--load-only")) return;
    const { values, secretKeys } = planConfig({ stack });
    pulumi.runtime.setAllConfig(values, secretKeys);
    program = engram;
    project = PROJECT;
  }
  let registered = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        registered++;
        const urn = `urn:pulumi:${stack}::${project}::${a.type}::${a.name}`;
        return a.custom === false
          ? { id: "", state: {} }
          : placeholderResource(a.type, a.name, urn, a.inputs as Record<string, unknown>);
      },
      call: (a) => placeholderCall(a.token, a.inputs as Record<string, unknown>),
    },
    project,
    stack,
    true,
  );
  await pulumi.runtime.runInPulumiStack(program);
  await pulumi.runtime.disconnect();
  // Every registration, the Stack's included; a plan's steps add the default providers.
  process.stdout.write(`${stack}: ${registered} resources registered\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
