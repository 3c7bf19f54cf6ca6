// Parses Mermaid diagrams with Mermaid's own parser: `node tests/helpers/mermaid-parse.mjs <file>...`
// prints one JSON line per file, {"file", "ok", "diagramType"} or {"file", "ok": false, "error"}.
// Mermaid is ESM-only and needs a DOM even to parse (DOMPurify), so this runs as its own Node
// process with a jsdom window; jest (CommonJS) starts it (tests/access-diagram.test.ts).
import fs from "fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  try {
    const result = await mermaid.parse(text);
    console.log(JSON.stringify({ file, ok: true, diagramType: result.diagramType }));
  } catch (e) {
    console.log(JSON.stringify({ file, ok: false, error: String(e.message).split("\n")[0] }));
  }
}
