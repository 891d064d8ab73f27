/**
 * A JSON manifest: `{"users": [...]}`. Every problem names the entry index and
 * the field: `users[2].email: must not contain a double quote (")`.
 */
import { parseTree, printParseErrorCode, type ParseError } from "jsonc-parser";

import { ManifestError } from "./ManifestError.js";
import { describeIssue, formatPath, printable } from "./problems.js";
import { ManifestSchema, type ManifestEntry } from "./schema.js";

/** What each of jsonc-parser's syntax errors means, in words (by `ParseErrorCode` name). */
const SYNTAX_ERRORS: Readonly<Record<string, string>> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "not a valid number",
  PropertyNameExpected: "expected a property name in double quotes",
  ValueExpected: "expected a value",
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: "unexpected text after the end",
  InvalidCommentToken: "comments are not allowed in JSON",
  UnexpectedEndOfComment: "comments are not allowed in JSON",
  UnexpectedEndOfString: "a string is not closed",
  UnexpectedEndOfNumber: "a number is cut short",
  InvalidUnicode: "not a valid \\u escape",
  InvalidEscapeCharacter: "not a valid escape after \\",
  InvalidCharacter: "a control character inside a string",
};

function syntaxFault(text: string, { error, offset }: ParseError): string {
  if (text.trim() === "") return "the file is empty";
  if (offset >= text.length) return "the file ends too early";
  const name = printParseErrorCode(error);
  const next = text[offset];
  const closes = (name === "ValueExpected" && next === "]") || (name === "PropertyNameExpected" && next === "}");
  if (closes) return `a trailing comma before '${next}'`;
  return SYNTAX_ERRORS[name] ?? "not JSON syntax";
}

/** `offset` in `text` as `line L, column C`, both counted from 1. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/**
 * Why `text` is not JSON, with the line and column of the first fault. V8's
 * own message quotes the text around the fault (here perhaps a colleague's
 * email address) and for some faults gives no position, so the fault is found
 * again by jsonc-parser in strict JSON mode; V8's reason, without its quote, is
 * the fallback should the two ever disagree.
 */
function describeJsonError(text: string, v8Message: string): string {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first !== undefined) return `${syntaxFault(text, first)} at ${lineAndColumn(text, first.offset)}`;
  const position = /at position (\d+)/.exec(v8Message)?.[1];
  const reason = printable(v8Message.replace(/, (\.\.\.)?".*$/s, "").replace(/ in JSON at position \d+.*$/s, ""));
  return position === undefined ? reason : `${reason} at ${lineAndColumn(text, Number(position))}`;
}

/** Validates JSON manifest text; `source` (the file) starts every problem. */
export function parseJsonManifest(text: string, source: string): ManifestEntry[] {
  // Editors on Windows (and spreadsheet exports) often start a UTF-8 file with a byte-order mark.
  const json = text.replace(/^\uFEFF/, "");
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ManifestError([`manifest ${source}: not valid JSON (${describeJsonError(json, (error as Error).message)})`]);
  }
  const parsed = ManifestSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    throw new ManifestError(
      parsed.error.issues.map((issue) => `manifest ${source}: ${formatPath(issue.path) || "the top level"}: ${describeIssue(issue)}`),
    );
  }
  return parsed.data.users;
}
