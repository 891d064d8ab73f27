import { FlipDbError } from "../shared/errors.js";

/**
 * The identity directory (Cognito, Keycloak) cannot be used at all: wrong
 * pool or realm, bad credentials, missing permission, an invalid request, or
 * a bug. The seed stops before writing anything. The message says what to fix.
 */
export class FatalDirectoryError extends FlipDbError {
  override name = "FatalDirectoryError" as const;
  readonly code = "DIRECTORY_FATAL";
}
