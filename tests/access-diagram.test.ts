import { accessDiagram } from "../scripts/offline/report/access-diagram";
import { flowchartProblems, mermaidBlocks } from "./helpers/mermaid";
import { ENVIRONMENTS, planOk, report } from "./helpers/plan";

/**
 * The access diagram of plan/<stack>.md: one Mermaid flowchart per report, valid under the strict
 * syntax check of tests/helpers/mermaid.ts, drawing the planned grants.
 */

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
