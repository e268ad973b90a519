import { formatDecision, LINE_WIDTH } from "../../src/policy/decision.js";
import type { Plan } from "../../src/policy/planner.js";

/** The plan's warnings as lines, whole (the admission layer shortens them to 120 characters). */
export function told(plan: Plan): string[] {
  return plan.warnings.map((warning) =>
    formatDecision(warning, { width: LINE_WIDTH, warning: true }),
  );
}
