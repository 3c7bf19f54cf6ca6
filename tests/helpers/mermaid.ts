/**
 * A strict syntax check of the Mermaid flowchart subset the plan report writes
 * (scripts/offline/report/access-diagram.ts), on top of Mermaid's own parser
 * (tests/helpers/mermaid-parse.mjs: `mermaid` under jsdom, since @mermaid-js/parser 2.0.1 has no
 * flowchart grammar and `mermaid` needs a DOM even to parse). Mermaid accepts more than it should
 * for us (an edge to an undeclared id silently creates a node), so every line must be one of these
 * forms, exactly as Mermaid's flowchart grammar reads them:
 *
 *   flowchart LR                         (first line only)
 *   subgraph <id>["<label>"]  ...  end   (balanced, not nested)
 *   <id>["<label>"]                      (a node, inside a subgraph, declared once)
 *   <id> -->|"<label>"| <id>             (an edge between declared nodes)
 *
 * Ids are letters, digits and underscores and never a flowchart keyword; labels are quoted and hold
 * no quote, angle bracket or line break (they are written as #quot; #lt; #gt;). Returns the
 * problems, one per line; none means valid.
 */
const ID = "[A-Za-z][A-Za-z0-9_]*";
const LABEL = '"[^"<>\\n]*"';
const KEYWORDS = new Set([
  "end",
  "subgraph",
  "graph",
  "flowchart",
  "style",
  "classDef",
  "class",
  "click",
  "linkStyle",
  "direction",
]);

export function flowchartProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split("\n");
  if (lines[0] !== "flowchart LR")
    problems.push(`line 1: expected "flowchart LR", got ${JSON.stringify(lines[0])}`);
  const nodes = new Set<string>();
  const subgraphs = new Set<string>();
  const edges: [number, string, string][] = [];
  let open: string | undefined;
  const checkId = (n: number, id: string) => {
    if (KEYWORDS.has(id)) problems.push(`line ${n}: id ${id} is a flowchart keyword`);
  };
  lines.slice(1).forEach((line, i) => {
    const n = i + 2;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^  subgraph (${ID})\\[${LABEL}\\]$`).exec(line))) {
      if (open) problems.push(`line ${n}: subgraph ${m[1]} inside subgraph ${open}`);
      if (subgraphs.has(m[1]) || nodes.has(m[1])) problems.push(`line ${n}: id ${m[1]} declared twice`);
      checkId(n, m[1]);
      subgraphs.add(m[1]);
      open = m[1];
    } else if (line === "  end") {
      if (!open) problems.push(`line ${n}: end without subgraph`);
      open = undefined;
    } else if ((m = new RegExp(`^    (${ID})\\[${LABEL}\\]$`).exec(line))) {
      if (!open) problems.push(`line ${n}: node ${m[1]} outside a subgraph`);
      if (nodes.has(m[1]) || subgraphs.has(m[1])) problems.push(`line ${n}: id ${m[1]} declared twice`);
      checkId(n, m[1]);
      nodes.add(m[1]);
    } else if ((m = new RegExp(`^  (${ID}) -->\\|${LABEL}\\| (${ID})$`).exec(line))) {
      if (open) problems.push(`line ${n}: edge inside subgraph ${open}`);
      edges.push([n, m[1], m[2]]);
    } else problems.push(`line ${n}: not a flowchart line: ${JSON.stringify(line)}`);
  });
  if (open) problems.push(`subgraph ${open} is not closed`);
  for (const [n, from, to] of edges)
    for (const id of [from, to])
      if (!nodes.has(id)) problems.push(`line ${n}: edge to undeclared node ${id}`);
  return problems;
}

/** The bodies of the ```mermaid blocks of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]);
}
