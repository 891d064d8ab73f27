/**
 * The users manifest: the well-known users the seed makes sure of on every
 * boot. Validation is strict because an odd value here would either break the
 * Cognito lookup (an email is spliced into a ListUsers filter) or land in
 * tables other services read.
 */
import { readFile } from "node:fs/promises";

import { z } from "zod";

import { ManifestError } from "./errors/index.js";
import { ROLE_NAMES, type RoleName } from "./roles.js";

/** RFC 5321's limit on an address. */
const MAX_EMAIL_LENGTH = 254;
/** `user_profile.name` and `.organisation` are varchar(255), which counts characters. */
const MAX_TEXT_LENGTH = 255;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const WHITESPACE = /\s/;

function characters(text: string): number {
  return [...text].length;
}

/**
 * An email as the ListUsers filter `email = "<email>"` can carry it unchanged:
 * a quote or backslash would end or escape the literal, and whitespace or a
 * control character is never part of a real address.
 */
// Each check stops the field's checks (`abort`): one problem a field, not a
// tab reported once as a control character and again as whitespace.
const Email = z
  .string()
  .refine((email) => !email.includes('"'), { message: 'must not contain a double quote (")', abort: true })
  .refine((email) => !email.includes("\\"), { message: "must not contain a backslash", abort: true })
  .refine((email) => !CONTROL.test(email), { message: "must not contain control characters", abort: true })
  .refine((email) => !WHITESPACE.test(email), { message: "must not contain whitespace", abort: true })
  .refine((email) => email.length <= MAX_EMAIL_LENGTH, { message: `must be at most ${MAX_EMAIL_LENGTH} characters`, abort: true })
  .pipe(z.email("must be a valid email address"));

const Text = z
  .string()
  .refine((text) => text.trim() !== "", { message: "must not be empty", abort: true })
  .refine((text) => !CONTROL.test(text), { message: "must not contain control characters", abort: true })
  .refine((text) => characters(text) <= MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`);

const ManifestUser = z.strictObject({
  email: Email,
  name: Text,
  organisation: Text,
  role: z.enum(ROLE_NAMES, `must be one of ${ROLE_NAMES.join(", ")}`),
});

export const ManifestSchema = z.strictObject({
  /** Editors use it to find the JSON Schema; ignored otherwise. */
  $schema: z.string().optional(),
  users: z
    .array(ManifestUser)
    .min(1, "must list at least one user")
    .superRefine((users, context) => {
      const firstIndex = new Map<string, number>();
      users.forEach((user, index) => {
        const key = user.email.toLowerCase();
        const first = firstIndex.get(key);
        if (first === undefined) firstIndex.set(key, index);
        else
          context.addIssue({
            code: "custom",
            path: [index, "email"],
            message: `duplicates users[${first}].email (emails are compared case-insensitively)`,
          });
      });
    }),
});

export interface ManifestEntry {
  email: string;
  name: string;
  organisation: string;
  role: RoleName;
}

/** `users[2].email`, from zod's path. */
function formatPath(path: readonly PropertyKey[]): string {
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

/**
 * A key is the manifest's own text: named only when it is a plain word, since
 * it could as well hold a line break or someone's email address.
 */
function describeKey(key: string): string {
  return /^[A-Za-z_$][\w$-]{0,40}$/.test(key) ? `"${key}"` : "(a name that is not a plain word)";
}

/** What a JSON error may quote: control and invisible characters as \u escapes, never raw. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path) || "the top level";
  // `input` is there because of `reportInput`; only its type is ever shown, never the value.
  if (issue.input === undefined && issue.path.length > 0 && issue.code !== "unrecognized_keys") {
    return `${where}: is required`;
  }
  switch (issue.code) {
    case "invalid_type": {
      const expected = issue.expected === "object" ? "an object" : issue.expected === "array" ? "a list" : `a ${issue.expected}`;
      const hint = issue.path.length === 0 ? ' like {"users": [...]}' : "";
      return `${where}: must be ${expected}${hint} (got ${kindOf(issue.input)})`;
    }
    case "unrecognized_keys":
      return `${where}: unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map(describeKey).join(", ")}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/** Validates manifest text; every problem names the entry index and the field. */
export function parseManifest(text: string, source: string): ManifestEntry[] {
  let json: unknown;
  try {
    // Editors on Windows (and spreadsheet exports) often start a UTF-8 file with a byte-order mark.
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new ManifestError([`manifest ${source}: not valid JSON (${describeJsonError((error as Error).message, text)})`]);
  }
  const parsed = ManifestSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    throw new ManifestError(parsed.error.issues.map((issue) => `manifest ${source}: ${describeIssue(issue)}`));
  }
  return parsed.data.users;
}

export async function loadManifest(path: string): Promise<ManifestEntry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new ManifestError([`manifest ${path}: cannot be read (${why}); set SEED_USERS_FILE or --users`]);
  }
  return parseManifest(text, path);
}
