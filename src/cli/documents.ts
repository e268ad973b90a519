import { parseAllDocuments } from "yaml";

/** Input that cannot be used; the message names the source and the document. */
export class InputError extends Error {
  override name = "InputError";
}

export type Document = Record<string, unknown>;

/** Parses multi-document YAML (JSON is YAML too), dropping empty documents. */
export function parseDocuments(text: string, source: string): Document[] {
  const documents: Document[] = [];
  parseAllDocuments(text).forEach((parsed, index) => {
    const error = parsed.errors[0];
    if (error)
      throw new InputError(
        `${source}: document ${index + 1} is not valid YAML: ${error.message.split("\n")[0]}`,
      );
    const value: unknown = parsed.toJS();
    if (value === null || value === undefined) return;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new InputError(
        `${source}: document ${index + 1} is not a Kubernetes object (expected a mapping with kind)`,
      );
    }
    documents.push(value as Document);
  });
  return documents;
}

export function describe(document: Document): string {
  const metadata = (document.metadata ?? {}) as { name?: string; generateName?: string };
  return `${typeof document.kind === "string" ? document.kind : "<no kind>"}/${metadata.name ?? metadata.generateName ?? "<unnamed>"}`;
}
