import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

/**
 * Reference runs for `npm run bench`, not a tool. Each runs under the SDK's own
 * `pulumi.runtime.setMocks`, in a Stack as a program runs, and records nothing and writes no file:
 * - `--bare <n>` (the bench's reference row): no program, no engine, only n RoleAssignments (the
 *   smallest common resource of the estate) with five short inputs each, each mock answering with
 *   its inputs. What the SDK itself costs for as many resources as a plan registers.
 * - `<stack>`: the real program for that stack, with the offline plan's config and placeholders;
 *   prints how many resources it registers (tests/plan-cli.test.ts checks that it is the plan's).
 * Usage: node scripts/run-ts.js scripts/bench-sdk-mocks.ts (--bare <n> | <stack>)
 */

type Program = () => Promise<Record<string, unknown> | void>;
type Mocks = Parameters<typeof pulumi.runtime.setMocks>[0];

/** `n` role assignments. */
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
  let registered = 0;
  let program: Program = bare(count ?? 0);
  let project = "bench";
  let mocks: Mocks = {
    newResource: (a) => ({ id: a.custom === false ? "" : `${a.name}-id`, state: a.inputs }),
    call: (a) => a.inputs,
  };
  if (count === undefined) {
    // The program, the plan's config and placeholders are imported only where they are used.
    const [{ engram }, { planConfig, PROJECT }, { placeholderCall, placeholderResource }] = await Promise.all(
      [import("../src/program"), import("./offline/plan"), import("./offline/placeholders")],
    );
    const { values, secretKeys } = planConfig({ stack });
    pulumi.runtime.setAllConfig(values, secretKeys);
    program = engram;
    project = PROJECT;
    mocks = {
      newResource: (a) => {
        const urn = `urn:pulumi:${stack}::${project}::${a.type}::${a.name}`;
        return a.custom === false
          ? { id: "", state: {} }
          : placeholderResource(a.type, a.name, urn, a.inputs as Record<string, unknown>);
      },
      call: (a) => placeholderCall(a.token, a.inputs as Record<string, unknown>),
    };
  }
  const counted: Mocks = {
    newResource: (a) => {
      registered++;
      return mocks.newResource(a);
    },
    call: (a) => mocks.call(a),
  };
  await pulumi.runtime.setMocks(counted, project, stack, true);
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
