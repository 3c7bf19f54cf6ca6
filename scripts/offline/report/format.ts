import { PlanStep } from "../plan";

/** Formatting and reading helpers shared by the report's sections. */

export type Inputs = Record<string, unknown>;

/** A Markdown table; pipes and line breaks in cells are escaped. */
export function table(header: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, "\\|").replace(/\n/g, " ");
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** A setting's value as text; "not set" when the request leaves it out (undefined, null or ""). */
export const orNotSet = (v: unknown): string =>
  v === undefined || v === null || v === "" ? "not set" : String(v);

/** A value as inline code: strings as they are, anything else as JSON. */
export const code = (v: unknown): string => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;

export const inputsOf = (s: PlanStep): Inputs => s.newState.inputs;

/** Reading plan JSON of unknown shape: an object (else `{}`), a list (else `[]`). */
export const obj = (v: unknown): Inputs => (v !== null && typeof v === "object" ? (v as Inputs) : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The last segment of an ARM id (the resource's name). */
export const lastSegment = (id: unknown): string =>
  typeof id === "string" ? (id.split("/").pop() ?? id) : String(id);

/** The parts of a role assignment's description, `engram-infra: <principal> -> <role> on <scope>` (components/role-assignment.ts). */
export function grantParts(
  description: unknown,
): { principal: string; role: string; scope: string } | undefined {
  const m = /^engram-infra: (\S+) -> (.+) on (\S+)$/.exec(String(description));
  return m ? { principal: m[1], role: m[2], scope: m[3] } : undefined;
}
