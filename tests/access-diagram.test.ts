import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { accessDiagram } from "../scripts/offline/report/access-diagram";
import { flowchartProblems, mermaidBlocks } from "./helpers/mermaid";
import { ENVIRONMENTS, planOk, report } from "./helpers/plan";

/**
 * The access diagram of plan/<stack>.md: one Mermaid flowchart per report, parsed by Mermaid's own
 * parser (tests/helpers/mermaid-parse.mjs) and valid under the strict syntax check of
 * tests/helpers/mermaid.ts (which also refuses what Mermaid accepts silently, such as an edge to a
 * node never declared), drawing the planned grants.
 */

/** Mermaid's verdict on each text: `flowchart-v2`, or its parse error. */
function mermaidParse(texts: string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-mermaid-"));
  try {
    const files = texts.map((t, i) => {
      const f = path.join(dir, `${i}.mmd`);
      fs.writeFileSync(f, t);
      return f;
    });
    const r = spawnSync(process.execPath, [path.join(__dirname, "helpers", "mermaid-parse.mjs"), ...files], {
      encoding: "utf8",
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`mermaid-parse.mjs exited ${r.status}: ${r.stderr}`);
    return r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { ok: boolean; diagramType?: string; error?: string })
      .map((v) => (v.ok ? String(v.diagramType) : `error: ${v.error}`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the access diagram in plan/<stack>.md", () => {
  it.each(ENVIRONMENTS)(
    "GIVEN the committed %s plan THEN its report has one valid Mermaid flowchart",
    async (stack) => {
      const md = await report(stack);
      const blocks = mermaidBlocks(md);
      expect(blocks).toHaveLength(1);
      expect(flowchartProblems(blocks[0])).toEqual([]);
      expect(md).toContain("\n## Access diagram\n");
      // After the access tables, before the observability section.
      expect(md.indexOf("## Access diagram")).toBeGreaterThan(md.indexOf("## Effective access"));
    },
  );

  it("GIVEN every committed report THEN Mermaid's own parser reads its diagram as a flowchart; a broken one it refuses", async () => {
    const diagrams = await Promise.all(ENVIRONMENTS.map(async (s) => mermaidBlocks(await report(s))[0]));
    const broken = diagrams[0].replace(' -->|"', ' -->|"unclosed ');
    const verdicts = mermaidParse([...diagrams, broken.replace(/\| s_/, " s_")]);
    expect(verdicts.slice(0, ENVIRONMENTS.length)).toEqual(ENVIRONMENTS.map(() => "flowchart-v2"));
    expect(verdicts[ENVIRONMENTS.length]).toMatch(/^error: Parse error on line \d+:$/);
  });

  it("GIVEN prod THEN each service's identity is boxed and its grants are edges labelled with the role", async () => {
    const diagram = mermaidBlocks(await report("prod"))[0].split("\n");
    expect(diagram).toEqual(
      expect.arrayContaining([
        '  subgraph svc_backend["service backend"]',
        '    p_backend["backend (managed identity)"]',
        '  subgraph svc_zep["service zep"]',
        '    p_group_sre["group:sre"]',
        '    s_kv_secret_zep_api_key["kv-secret:zep-api-key"]',
        '  p_backend -->|"Key Vault Secrets User"| s_kv_secret_zep_api_key',
        '  p_zep -->|"Key Vault Secrets User"| s_kv_secret_zep_api_key',
        '  p_worker -->|"Storage Blob Data Contributor"| s_st_container_engram_data',
        '  p_group_sre -->|"Reader"| s_rg',
        '  p_appgw -->|"Key Vault Secrets User"| s_kv_secret_appgw_tls',
      ]),
    );
    // One edge per role assignment and per app-role assignment of the plan.
    const { index } = await planOk("prod");
    expect(diagram.filter((l) => l.includes(" -->|")).length).toBe(
      index.ofType("azure-native:authorization:RoleAssignment").length +
        index.ofType("azuread:index/appRoleAssignment:AppRoleAssignment").length,
    );
  });

  it("GIVEN dev THEN the Dev group's Contributor on the resource group is drawn; prod has no Contributor edge", async () => {
    expect(mermaidBlocks(await report("dev"))[0]).toContain('  p_group_dev -->|"Contributor"| s_rg');
    expect(mermaidBlocks(await report("prod"))[0]).not.toContain('"Contributor"');
  });

  it("GIVEN labels with quotes, angle brackets and clashing ids THEN the diagram stays valid", () => {
    const text = accessDiagram({
      roleGrants: [
        { principal: 'a"b', principalType: "ServicePrincipal", role: "R<1>", scope: "x-y" },
        { principal: "a_b", principalType: "ServicePrincipal", role: "R", scope: "x_y" },
      ],
      appRoleGrants: [{ principal: "group:end", appRole: "Admin", app: "engram-api-dev" }],
      secretReaders: [],
      networkPaths: [],
    });
    expect(flowchartProblems(text)).toEqual([]);
    expect(text).toContain('  p_a_b -->|"R#lt;1#gt;"| s_x_y');
    expect(text).toContain('  p_a_b_2 -->|"R"| s_x_y_2');
    expect(text).toContain('    p_a_b["a#quot;b (managed identity)"]');
    expect(text).toContain('  p_group_end -->|"app role Admin"| app_engram_api_dev');
  });
});

describe("tests/helpers/mermaid.ts: the strict flowchart check", () => {
  it.each([
    [
      'flowchart TD\n  subgraph a["A"]\n    n["N"]\n  end',
      ['line 1: expected "flowchart LR", got "flowchart TD"'],
    ],
    ['flowchart LR\n  subgraph a["A"]\n    n["N"]', ["subgraph a is not closed"]],
    [
      'flowchart LR\n  subgraph a["A"]\n    n["N"]\n  end\n  n -->|"r"| m',
      ["line 5: edge to undeclared node m"],
    ],
    [
      'flowchart LR\n  subgraph a["A"]\n    n["say "hi""]\n  end',
      ['line 3: not a flowchart line: "    n[\\"say \\"hi\\"\\"]"'],
    ],
    ['flowchart LR\n  subgraph a["A"]\n    end["N"]\n  end', ["line 3: id end is a flowchart keyword"]],
    ['flowchart LR\n  subgraph a["A"]\n    n["N"]\n    n["M"]\n  end', ["line 4: id n declared twice"]],
    [
      'flowchart LR\n  subgraph a["A"]\n    n["N"]\n  end\n  n --> n',
      ['line 5: not a flowchart line: "  n --> n"'],
    ],
  ])("GIVEN %j THEN it is refused", (text, problems) => {
    expect(flowchartProblems(text)).toEqual(problems);
  });
});
