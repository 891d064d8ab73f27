/**
 * The users manifest's rules, as a zod schema. Validation is strict because an
 * odd value here would either break the Cognito lookup (an email is spliced
 * into a ListUsers filter) or land in tables other services read.
 *
 * The refinements cannot appear in a JSON Schema, so each field also carries,
 * in `.meta()`, the JSON Schema keywords that say the same thing (patterns
 * built from the same character classes); `json-schema.ts` turns the whole
 * into `prisma/seed-users.schema.json`. `test/unit/manifest-schema.test.ts`
 * checks that both give the same verdicts.
 */
import { z } from "zod";

import { ROLE_NAMES, roleByName, TRUST_ROLE_NAMES, type RoleName } from "../shared/roles.js";

/** RFC 5321's limit on an address. */
const MAX_EMAIL_LENGTH = 254;
/** `user_profile.name` and `.organisation` are varchar(255), which counts characters (code points). */
const MAX_TEXT_LENGTH = 255;

/** C0 and C1 control characters and DEL, as the body of a regular-expression character class. */
const CONTROL_CLASS = "\\u0000-\\u001f\\u007f-\\u009f";
const CONTROL = new RegExp(`[${CONTROL_CLASS}]`);
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
  .pipe(z.email("must be a valid email address"))
  .meta({
    title: "Email",
    description:
      "The user's email address, as in the Cognito user pool (looked up with ListUsers). " +
      `At most ${MAX_EMAIL_LENGTH} characters; no ", \\, whitespace or control characters. ` +
      "Unique in the file, compared case-insensitively (the seed checks that).",
    format: "email",
    maxLength: MAX_EMAIL_LENGTH,
    // Two patterns, so an editor can say which rule failed (VS Code shows `patternErrorMessage`).
    allOf: [
      {
        // Equal to the refinements above: `\s` is the whitespace `/\s/` tests.
        pattern: `^[^"\\\\\\s${CONTROL_CLASS}]*$`,
        patternErrorMessage: 'must not contain a double quote ("), a backslash, whitespace or control characters',
      },
      // zod's own address pattern, the one `z.email()` checks.
      { pattern: z.regexes.email.source, patternErrorMessage: "must be a valid email address" },
    ],
  });

/** A name or organisation, as `user_profile` stores it: not blank, no control characters, at most 255 characters. */
function text(title: string, description: string) {
  return z
    .string()
    .refine((value) => value.trim() !== "", { message: "must not be empty", abort: true })
    .refine((value) => !CONTROL.test(value), { message: "must not contain control characters", abort: true })
    .refine((value) => characters(value) <= MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`)
    .meta({
      title,
      description: `${description} Not blank, no control characters, at most ${MAX_TEXT_LENGTH} characters.`,
      minLength: 1,
      // JSON Schema counts code points, as the varchar(255) column and the refinement above do.
      maxLength: MAX_TEXT_LENGTH,
      allOf: [
        // `\S` anywhere: what `trim() !== ""` means (trim strips exactly what `\s` matches).
        { pattern: "\\S", patternErrorMessage: "must not be empty" },
        { pattern: `^[^${CONTROL_CLASS}]*$`, patternErrorMessage: "must not contain control characters" },
      ],
    });
}

/** `Admin, Researcher or Viewer`. */
const GLOBAL_ROLES_IN_WORDS = `${ROLE_NAMES.slice(0, -1).join(", ")} or ${ROLE_NAMES.at(-1)}`;

/**
 * A global role. A per-trust role (Trust Admin) is refused in words of its
 * own: it is held with a trust's id, which a manifest entry does not carry.
 */
const Role = z
  .enum(ROLE_NAMES, {
    error: (issue) =>
      typeof issue.input === "string" && TRUST_ROLE_NAMES.includes(issue.input)
        ? `${issue.input} is held per trust; the seed grants global roles only (${GLOBAL_ROLES_IN_WORDS})`
        : `must be one of ${ROLE_NAMES.join(", ")}`,
  })
  .meta({
    title: "Role",
    description:
      `The user's FLIP role, held platform-wide: ${GLOBAL_ROLES_IN_WORDS}. ` +
      `Per-trust roles (${TRUST_ROLE_NAMES.join(", ")}) are granted by the platform, at a trust, never by the seed.`,
    // VS Code shows these beside each value it offers.
    enumDescriptions: ROLE_NAMES.map((name) => roleByName(name).description),
  });

export const ManifestUserSchema = z
  .strictObject({
    email: Email,
    name: text("Name", "The user's display name, stored in user_profile.name."),
    organisation: text("Organisation", "The user's organisation, stored in user_profile.organisation."),
    role: Role,
  })
  .meta({ title: "User", description: "One user the seed makes sure of: all four fields, no others." });

/** A custom issue's `params` for a duplicate email: the index of the entry it repeats. */
export interface DuplicateEmailParams {
  duplicateOf: number;
}

export const ManifestSchema = z
  .strictObject({
    /** Editors use it to find the JSON Schema; ignored otherwise. */
    $schema: z.string().optional().meta({ description: "The JSON Schema this file follows, for editors; the seed ignores it." }),
    users: z
      .array(ManifestUserSchema)
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
              params: { duplicateOf: first } satisfies DuplicateEmailParams,
            });
        });
      })
      .meta({ title: "Users", description: "The well-known users the seed makes sure of on every boot; at least one." }),
  })
  .meta({
    title: "FLIP seed users manifest",
    description:
      "The users `prisma db seed` gives a profile and a role, each matched to its Cognito user by email. " +
      "Generated from src/manifest/schema.ts by `npm run manifest:schema`.",
  });

export interface ManifestEntry {
  email: string;
  name: string;
  organisation: string;
  role: RoleName;
}
