import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * The project's files under `dirs` (relative to the root, `/` separators, sorted) whose names match
 * `match`; `skip` names folders left out, by name anywhere or by path from the root.
 */
export function projectFiles(dirs: readonly string[], match: RegExp, skip: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skip.includes(entry.name) && !skip.includes(rel)) walk(rel);
      } else if (match.test(entry.name)) out.push(rel);
    }
  };
  for (const dir of dirs) if (fs.existsSync(path.join(ROOT, dir))) walk(dir);
  return out.sort();
}
