import type { PlanResult } from "../plan";
import type { PlanIndex } from "../plan-index";

/**
 * What one section of the Markdown report is: a function of the plan. Its own module, so the
 * sections and `./index` (which orders them) import it one way, never each other.
 */
export interface ReportInput {
  result: PlanResult;
  index: PlanIndex;
}

export type ReportSection = (input: ReportInput) => string | undefined;
