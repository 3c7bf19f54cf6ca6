import * as fs from "fs";
import { PLANS_DIR_ENV } from "./helpers/plan-files";

/** Removes this run's committed plans (tests/global-setup.ts). */
export default function globalTeardown(): void {
  const dir = process.env[PLANS_DIR_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
