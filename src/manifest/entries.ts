/**
 * Manifest entries handed over in code (the library's callers) rather than
 * read from a file: held to the same rules, with problems in the same words.
 */
import { ManifestError } from "./ManifestError.js";
import { describeIssue, formatPath } from "./problems.js";
import { ManifestSchema, ManifestUserSchema, type ManifestEntry } from "./schema.js";

function problemsOf(issues: readonly Parameters<typeof describeIssue>[0][], source: string, path: readonly PropertyKey[]): string[] {
  return issues.map((issue) => `${source}: ${formatPath([...path, ...issue.path])}: ${describeIssue(issue)}`);
}

/** Checks a list of users as the manifest's `users`; problems read `<source>: users[2].email: ...`. */
export function validateEntries(users: unknown, source: string): ManifestEntry[] {
  const parsed = ManifestSchema.shape.users.safeParse(users, { reportInput: true });
  if (!parsed.success) throw new ManifestError(problemsOf(parsed.error.issues, source, ["users"]));
  return parsed.data;
}

/** Checks one user as a manifest entry; problems read `<source>: user.email: ...`. */
export function validateEntry(user: unknown, source: string): ManifestEntry {
  const parsed = ManifestUserSchema.safeParse(user, { reportInput: true });
  if (!parsed.success) throw new ManifestError(problemsOf(parsed.error.issues, source, ["user"]));
  return parsed.data;
}
