/**
 * How a manifest problem is put into words. A problem says where (an entry
 * and field, or a CSV line and column) and what, and never quotes a value:
 * any of them may be a colleague's email address.
 */
import type { z } from "zod";

import type { DuplicateEmailParams } from "./schema.js";

/** `users[2].email`, from zod's path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === "number" ? `${text}[${key}]` : text === "" ? String(key) : `${text}.${String(key)}`),
    "",
  );
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`;
}

/**
 * A key (or a CSV column name) is the manifest's own text: named only when it
 * is a plain word, since it could as well hold a line break or someone's email
 * address.
 */
export function describeKey(key: string): string {
  return /^[A-Za-z_$][\w$-]{0,40}$/.test(key) ? `"${key}"` : "(a name that is not a plain word)";
}

/** What an error may quote: control and invisible characters as \u escapes, never raw. */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The index of the entry a duplicate email repeats, if `issue` is that problem. */
export function duplicateOf(issue: z.core.$ZodIssue): number | undefined {
  if (issue.code !== "custom") return undefined;
  return (issue.params as Partial<DuplicateEmailParams> | undefined)?.duplicateOf;
}

/**
 * What is wrong, without where: `must be a string (got a number)`. `input` is
 * there because of `reportInput`; only its type is ever shown, never the value.
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.input === undefined && issue.path.length > 0 && issue.code !== "unrecognized_keys") return "is required";
  switch (issue.code) {
    case "invalid_type": {
      const expected = issue.expected === "object" ? "an object" : issue.expected === "array" ? "a list" : `a ${issue.expected}`;
      const hint = issue.path.length === 0 ? ' like {"users": [...]}' : "";
      return `must be ${expected}${hint} (got ${kindOf(issue.input)})`;
    }
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map(describeKey).join(", ")}`;
    default:
      return issue.message;
  }
}
