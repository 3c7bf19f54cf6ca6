import * as fs from "fs";
import * as path from "path";

/**
 * docs/sop-traceability.md is the auditor's map from every SOP rule to the code that makes it
 * true and the test that proves it. This test keeps the map honest: every file it names exists,
 * every test it names exists in that file, and every seed it cites is a real seed.
 */
const ROOT = path.resolve(__dirname, "..");
const DOC = path.join(ROOT, "docs", "sop-traceability.md");
const SEEDS = [
  "000_cefe6df66b3bf6f1.txt",
  "001_292cf15ceba1225d.txt",
  "002_41a7f3fc64d27558.txt",
  "003_8c83d735f9a65bde.txt",
  "004_8249926bd340aebe.txt",
];

interface Row {
  line: number;
  seed: string;
  rule: string;
  code: string;
  test: string;
}

function rows(): Row[] {
  const out: Row[] = [];
  fs.readFileSync(DOC, "utf8")
    .split("\n")
    .forEach((text, i) => {
      if (!text.startsWith("|") || /^\|\s*-/.test(text) || /^\|\s*seed\b/i.test(text)) return;
      const cells = text
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim());
      if (cells.length !== 4)
        throw new Error(`docs/sop-traceability.md:${i + 1} has ${cells.length} columns, expected 4`);
      out.push({ line: i + 1, seed: cells[0], rule: cells[1], code: cells[2], test: cells[3] });
    });
  return out;
}

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

describe("docs/sop-traceability.md", () => {
  const all = rows();

  it("has rows for every seed", () => {
    for (const seed of SEEDS) expect(all.some((r) => r.seed.includes(seed.slice(0, 3)))).toBe(true);
    expect(all.length).toBeGreaterThan(40);
  });

  it("cites only real seeds", () => {
    for (const r of all) expect(SEEDS.some((s) => r.seed.includes(s.slice(0, 3)))).toBe(true);
  });

  it("names only code files that exist", () => {
    const missing = all.flatMap((r) =>
      backticked(r.code)
        .map((ref) => ref.split(/[\s(#:]/)[0])
        .filter((p) => /\.(ts|js|ya?ml|md|json)$|^\.ci\//.test(p) && !fs.existsSync(path.join(ROOT, p)))
        .map((p) => `line ${r.line}: ${p}`),
    );
    expect(missing).toEqual([]);
  });

  /** A `.cases.ts` file runs inside the test file of its folder that imports it (one module registry). */
  const runByATestFile = (file: string): boolean => {
    const dir = path.dirname(path.join(ROOT, file));
    const module = `./${path.basename(file, ".ts")}`;
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts"))
      .some((f) => fs.readFileSync(path.join(dir, f), "utf8").includes(`import "${module}";`));
  };

  it("proves every rule with a test that exists, or says why it cannot be proven here", () => {
    const problems: string[] = [];
    for (const r of all) {
      const refs = [
        ...r.test.matchAll(
          /`((?:bootstrap\/)?tests\/[^`]+\.(?:test|cases)\.ts)`(?:\s*(?:[›>:]\s*)?"([^"]+)")?/g,
        ),
      ];
      if (refs.length === 0) {
        if (!/^not provable offline:/i.test(r.test)) problems.push(`line ${r.line}: no test named`);
        continue;
      }
      for (const [, file, name] of refs) {
        const full = path.join(ROOT, file);
        if (!fs.existsSync(full)) problems.push(`line ${r.line}: ${file} does not exist`);
        else if (file.endsWith(".cases.ts") && !runByATestFile(file))
          problems.push(
            `line ${r.line}: ${file} is imported by no test file of its folder, so jest never runs it`,
          );
        else if (name) {
          // A quoted name may abbreviate with "…": every piece between the ellipses must be in the file.
          const source = fs.readFileSync(full, "utf8");
          for (const piece of name
            .split("…")
            .map((p) => p.trim())
            .filter((p) => p.length > 0))
            if (!source.includes(piece)) problems.push(`line ${r.line}: "${piece}" is not in ${file}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
