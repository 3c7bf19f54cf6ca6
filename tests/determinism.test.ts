import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS } from "../src/matrix";
import { copyCheckout } from "./helpers/checkout";
import { askPlanServer, serverStatus } from "./helpers/plan-client";
import { PlanServerAddress, planServers, ROOT } from "./helpers/plan-files";
import type { ServerConditions } from "./helpers/plan-protocol";
import { plan, report } from "./helpers/plan";

/**
 * One stack, the same plan bytes on any machine. The global setup's two plan servers plan under
 * different conditions (tests/global-setup.ts): "here" from this checkout, "elsewhere" from a copy
 * at another path under another collation (Estonian sorts "z" between "s" and "t"), another
 * language and another time zone. Each planned some of the committed stacks for this run; here each
 * plans the other's, and for every committed stack the JSON (as `npm run plan` writes it) and the
 * report must be byte-identical. The servers' own conditions are checked first, so the comparison
 * cannot pass because both planned alike.
 */

type Place = "here" | "elsewhere";
const serverAt = (place: Place): PlanServerAddress => {
  const server = planServers().find((s) => s.place === place);
  if (!server) throw new Error(`no "${place}" plan server: tests/global-setup.ts starts one of each`);
  return server;
};

const conditions: Partial<Record<Place, ServerConditions>> = {};
const outputs: Record<Place, Record<string, string>> = { here: {}, elsewhere: {} };

beforeAll(async () => {
  for (const place of ["here", "elsewhere"] as const)
    conditions[place] = (await serverStatus(serverAt(place), null))?.conditions;
  for (const place of ["here", "elsewhere"] as const) {
    const server = serverAt(place);
    for (const stack of ENVIRONMENTS) {
      // The run's committed plan when this server made it; else this server plans the stack now.
      const { plan: result, report: md } = server.stacks?.includes(stack)
        ? { plan: await plan(stack), report: await report(stack) }
        : await askPlanServer(
            [server],
            { op: "planStack", options: { stack } },
            `planning ${stack} ${place}`,
          );
      if (!result.ok) throw new Error(`stack ${stack} was refused ${place}: ${result.problems.join("; ")}`);
      if (md === undefined) throw new Error(`no report of ${stack} ${place}`);
      outputs[place][`${stack}.json`] = `${JSON.stringify(result.plan, null, 2)}\n`;
      outputs[place][`${stack}.md`] = md;
    }
  }
}, 300_000);

describe("the two plan servers", () => {
  it("GIVEN the setup's servers THEN one plans here and one elsewhere, and together they planned every committed stack once", () => {
    expect(
      planServers()
        .map((s) => s.place)
        .sort(),
    ).toEqual(["elsewhere", "here"]);
    expect(
      planServers()
        .flatMap((s) => s.stacks ?? [])
        .sort(),
    ).toEqual([...ENVIRONMENTS].sort());
  });

  it("GIVEN here THEN it plans from this checkout", () => {
    expect(conditions.here?.cwd).toBe(ROOT);
  });

  it("GIVEN elsewhere THEN another checkout path (a space, a non-ASCII letter), the Estonian collation and a time zone 12¾ h from UTC", () => {
    expect(conditions.elsewhere?.cwd).not.toBe(ROOT);
    expect(path.basename(conditions.elsewhere?.cwd ?? "")).toBe("engram infra ü");
    // Under this collation a localeCompare would order differently: the comparison below can fail.
    expect(conditions.elsewhere?.collation).toBe("szt");
    expect(conditions.here?.collation).not.toBe("szt");
    expect(conditions.elsewhere?.timeZone).toBe("Pacific/Chatham");
    expect(conditions.here?.timeZone).not.toBe("Pacific/Chatham");
  });
});

describe("plans under another locale, time zone and checkout path", () => {
  it("GIVEN both servers THEN each has the JSON and the report of every committed stack", () => {
    const expected = ENVIRONMENTS.flatMap((e) => [`${e}.json`, `${e}.md`]).sort();
    expect(Object.keys(outputs.here).sort()).toEqual(expected);
    expect(Object.keys(outputs.elsewhere).sort()).toEqual(expected);
  });

  it.each(ENVIRONMENTS.flatMap((e) => [`${e}.json`, `${e}.md`]))(
    "GIVEN %s THEN the bytes are identical",
    (file) => {
      expect(outputs.elsewhere[file]).toBe(outputs.here[file]);
    },
  );
});

describe("copyCheckout (how the elsewhere copy is made)", () => {
  it("GIVEN a tree that is not a git checkout (an unpacked archive) THEN its files are copied, without .git, node_modules and build, and node_modules is linked", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engram-copy-"));
    try {
      const src = path.join(tmp, "src");
      for (const f of ["a.txt", "sub/b.txt", ".git/HEAD", "node_modules/x/index.js", "build/plans/p.json"]) {
        fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
        fs.writeFileSync(path.join(src, f), f);
      }
      const dest = path.join(tmp, "dest");
      copyCheckout(src, dest);
      expect(fs.readdirSync(dest).sort()).toEqual(["a.txt", "node_modules", "sub"]);
      expect(fs.readFileSync(path.join(dest, "sub", "b.txt"), "utf8")).toBe("sub/b.txt");
      expect(fs.readlinkSync(path.join(dest, "node_modules"))).toBe(path.join(src, "node_modules"));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
