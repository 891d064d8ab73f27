/**
 * The checklist as text: one line per check, then a summary. Words
 * (PASS/FAIL/SKIP) for logs, marks for a terminal. Every line is scrubbed of
 * secrets, its emails redacted and its control characters flattened, so a
 * detail quoting a library's message can neither leak nor break the layout.
 */
import type { Scrub } from "../shared/logging.js";
import { redactEmail } from "../shared/logging.js";
import { CHECK_NAMES, type CheckStatus, type NamedResult } from "./checks.js";

export type MarkStyle = "words" | "symbols";

const MARKS: Readonly<Record<MarkStyle, Readonly<Record<CheckStatus, string>>>> = {
  words: { pass: "PASS", fail: "FAIL", skip: "SKIP" },
  symbols: { pass: "✓", fail: "✗", skip: "-" },
};

/** Wide enough for every check's name, so the details line up. */
export const NAME_WIDTH = Math.max(...CHECK_NAMES.map((name) => name.length));

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
/**
 * Anything shaped like an address: a local part that starts a word (not the
 * user of a `scheme://user@host` URL), `@`, and a dotted domain.
 */
const EMAIL = /(?<![^\s"'<>()[\],;:=])[^\s@"'<>()[\],;:=/]+@[^\s@"'<>()[\],;:=/]+\.[^\s@"'<>()[\],;:=/]+/g;

/** One printable line: secrets scrubbed, emails redacted, control characters (line breaks included) as spaces. */
export function clean(text: string, scrub: Scrub): string {
  return scrub(text)
    .replace(CONTROL, " ")
    .replace(EMAIL, (email) => redactEmail(email))
    .trim();
}

export function formatResult(result: NamedResult, style: MarkStyle, scrub: Scrub): string {
  return `${MARKS[style][result.status]}  ${result.name.padEnd(NAME_WIDTH)}  ${clean(result.detail, scrub)}`;
}

export function formatSummary(results: readonly NamedResult[]): string {
  const count = (status: CheckStatus) => results.filter((result) => result.status === status).length;
  const failed = count("fail");
  const skipped = count("skip");
  if (failed === 0 && skipped === 0) return `doctor: all ${results.length} checks passed`;
  const parts = [`${failed} failed`, ...(skipped > 0 ? [`${skipped} skipped`] : []), `${count("pass")} passed`];
  return `doctor: ${parts.join(", ")}: fix what the failed checks say, then run npm run doctor again`;
}
