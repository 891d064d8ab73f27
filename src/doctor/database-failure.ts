/**
 * A database failure for a check that only connects and queries: in the
 * seed's words where it knows the error (src/seed/database-errors.ts), and
 * otherwise with the database's own code and first line.
 */
import { describeDatabaseProblem } from "../seed/database-errors.js";

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n").find((line) => line.trim() !== "")?.trim() ?? "no message";
}

/** One line: what went wrong with the database at `location` and what to fix. Never holds the URL. */
export function describeDatabaseFailure(error: unknown, databaseUrl: string, location: string): string {
  const known = describeDatabaseProblem(error, databaseUrl);
  if (known !== undefined) return known;
  const code = (error as { code?: unknown } | null)?.code;
  const reason = typeof code === "string" && code !== "" ? `${code}: ${firstLine(error)}` : firstLine(error);
  return `the database at ${location} failed the check (${reason}): check DATABASE_URL and the server's log`;
}
