import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Folders a checkout holds that are not the working tree: never copied. */
const NOT_SOURCE = new Set([".git", "node_modules", "build"]);

/** The working tree's files by walking it: for a copy that is not a git checkout (an unpacked archive). */
function walk(root: string, dir = ""): string[] {
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter((e) => !(dir === "" && NOT_SOURCE.has(e.name)))
    .flatMap((e) => {
      const rel = dir === "" ? e.name : `${dir}/${e.name}`;
      return e.isDirectory() ? walk(root, rel) : [rel];
    });
}

/** Tracked and untracked files git does not ignore; every file but NOT_SOURCE outside git. */
function workingTree(root: string): string[] {
  try {
    return execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).split("\0");
  } catch {
    return walk(root);
  }
}

/**
 * A copy of this checkout's working tree at another path, sharing node_modules through a symlink,
 * as a second clone would. `include` leaves files out (the tables test needs no tests/). Used by
 * the global setup's plan server that plans from another checkout (tests/global-setup.ts) and by
 * tests/tables.test.ts, which edits its copy.
 */
export function copyCheckout(
  root: string,
  dest: string,
  include: (file: string) => boolean = () => true,
): void {
  const files = workingTree(root).filter(
    // Files only: a deleted file git still lists, or a node_modules symlink a checkout tracks, is not copied.
    (f) => f !== "" && include(f) && fs.lstatSync(path.join(root, f), { throwIfNoEntry: false })?.isFile(),
  );
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(dest, f));
  }
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dest, "node_modules"), "dir");
}
