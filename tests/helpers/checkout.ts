import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * A copy of this checkout's working tree (tracked and untracked files git does not ignore) at
 * another path, sharing node_modules through a symlink, as a second clone would. `include` leaves
 * files out (the tables test needs no tests/). Used by the global setup's plan server that plans
 * from another checkout (tests/global-setup.ts) and by tests/tables.test.ts, which edits its copy.
 */
export function copyCheckout(
  root: string,
  dest: string,
  include: (file: string) => boolean = () => true,
): void {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\0")
    // Files only: a deleted file git still lists, or a node_modules symlink a checkout tracks, is not copied.
    .filter(
      (f) => f !== "" && include(f) && fs.lstatSync(path.join(root, f), { throwIfNoEntry: false })?.isFile(),
    );
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(dest, f));
  }
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dest, "node_modules"), "dir");
}
