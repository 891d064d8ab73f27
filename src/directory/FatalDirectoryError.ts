import { FlipDbError } from "../shared/errors.js";

/**
 * The identity directory (Cognito, Keycloak) cannot be used at all: wrong
 * pool or realm, bad credentials, missing permission, an invalid request, or
 * a bug. The seed stops before writing anything. The message says what to fix.
 */
export class FatalDirectoryError extends FlipDbError {
  override name = "FatalDirectoryError" as const;
  readonly code = "DIRECTORY_FATAL";
  /**
   * What went wrong and what to fix, without the directory's name or the call
   * that failed, for a caller that words its own line (the doctor); the whole
   * problem when the thrower gave none.
   */
  readonly reason: string;

  constructor(problems: readonly string[], options?: ErrorOptions & { reason?: string }) {
    super(problems, options);
    this.reason = options?.reason ?? problems.join("; ");
  }
}
