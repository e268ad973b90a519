import type { Generated } from "./generated.js";
import { chartValuesJsonSchema } from "./chart-values.js";

export function valuesSchema(): Generated {
  const schema = { ...chartValuesJsonSchema() };
  return {
    path: "helm/meshtune/values.schema.json",
    text: `${JSON.stringify(schema, null, 2)}\n`,
    from: "scripts/generate/chart-values.ts and src/config/schema.ts",
    format: true,
  };
}
