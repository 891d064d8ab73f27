/**
 * A JSON manifest: `{"users": [...]}`. Every problem names the entry index and
 * the field: `users[2].email: must not contain a double quote (")`.
 */
import { ManifestError } from "./ManifestError.js";
import { describeIssue, formatPath, printable } from "./problems.js";
import { ManifestSchema, type ManifestEntry } from "./schema.js";

/**
 * V8's JSON errors quote the text around the fault, which here may be a
 * colleague's email address. Keep the reason; where V8 gives a position, turn
 * it into a line and column. (For an unexpected token it gives none, only a
 * quote, which is dropped.)
 */
function describeJsonError(message: string, text: string): string {
  const reason = printable(message.replace(/, (\.\.\.)?".*$/s, "").replace(/ in JSON at position \d+.*$/s, ""));
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return reason;
  const before = text.slice(0, Number(position)).split("\n");
  return `${reason} at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** Validates JSON manifest text; `source` (the file) starts every problem. */
export function parseJsonManifest(text: string, source: string): ManifestEntry[] {
  let json: unknown;
  try {
    // Editors on Windows (and spreadsheet exports) often start a UTF-8 file with a byte-order mark.
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new ManifestError([`manifest ${source}: not valid JSON (${describeJsonError((error as Error).message, text)})`]);
  }
  const parsed = ManifestSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    throw new ManifestError(
      parsed.error.issues.map((issue) => `manifest ${source}: ${formatPath(issue.path) || "the top level"}: ${describeIssue(issue)}`),
    );
  }
  return parsed.data.users;
}
