import type { PreviewJson } from "../../scripts/offline/plan";
import { planOk } from "./plan";

/** Committed plans copied for a test to change (the policy pack and the access diff read such copies). */

export type Step = PreviewJson["steps"][number];
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A committed plan, deep-copied so a test can break it. */
export async function committed(stack: string): Promise<PreviewJson> {
  return JSON.parse(JSON.stringify((await planOk(stack)).plan)) as PreviewJson;
}

/** The one step whose URN ends with `::name`; throws unless there is exactly one. */
export function step(plan: PreviewJson, name: string): Step {
  const found = plan.steps.filter((s) => s.urn.endsWith(`::${name}`));
  if (found.length !== 1) throw new Error(`expected one step named ${name}, found ${found.length}`);
  return found[0];
}

/** The inputs of that step, to read or change in place. */
export const inputs = (plan: PreviewJson, name: string): Json => step(plan, name).newState.inputs as Json;
