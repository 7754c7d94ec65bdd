// How a tool's arguments and results read in the list of a run's steps: short, and retrieval
// results as the passages found rather than as JSON.

/** A tool's arguments or result in a line: retrieval results as "2 passages: Title (7.77), …", the rest as JSON. */
export function describeValue(value: unknown): string {
  const passages = typeof value === "object" && value !== null && "results" in value ? value.results : undefined;
  if (Array.isArray(passages) && passages.every(isPassage)) {
    if (passages.length === 0) return "no passages found";
    const list = passages.map((p) => `${p.document_title} (${(p.score ?? 0).toFixed(2)})`).join(", ");
    return `${passages.length} passage${passages.length === 1 ? "" : "s"}: ${list}`;
  }
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function isPassage(value: unknown): value is { document_title: string; score?: number } {
  return (
    typeof value === "object" && value !== null && "document_title" in value && typeof value.document_title === "string"
  );
}
