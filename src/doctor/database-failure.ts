/**
 * A database failure for a check that only connects and queries: in the
 * seed's words where it knows the error (`describeDatabaseProblem` in
 * src/database/errors.ts, over the one table of codes), and otherwise with the
 * database's own code and reason line.
 */
import { describeDatabaseProblem, reasonLine } from "../database/errors.js";
import { errorCode } from "../shared/errors.js";

/** One line: what went wrong with the database at `location`, named by `variable`, and what to fix. Never holds the URL. */
export function describeDatabaseFailure(error: unknown, location: string, variable = "DATABASE_URL"): string {
  const known = describeDatabaseProblem(error, location, variable);
  if (known !== undefined) return known;
  const code = errorCode(error);
  const line = reasonLine(error) ?? "no message";
  const reason = code !== undefined && code !== "" ? `${code}: ${line}` : line;
  return `the database at ${location} failed the check (${reason}): check ${variable} and the server's log`;
}
