/** The exit codes of every flip-db command, and which error ends with which. */
import type { FlipDbError } from "../errors.js";

export const EXIT_OK = 0;
/** Fatal: configuration, manifest, Cognito or database; nothing was written. */
export const EXIT_FATAL = 1;
/** The command line is wrong. */
export const EXIT_USAGE = 2;

export type ExitCode = typeof EXIT_OK | typeof EXIT_FATAL | typeof EXIT_USAGE;

export function exitCodeFor(error: FlipDbError): ExitCode {
  return error.code === "USAGE" ? EXIT_USAGE : EXIT_FATAL;
}
