import { FlipDbError } from "../shared/errors.js";

/** The database could not be reached or refused the seed's transaction; the transaction was rolled back. */
export class DatabaseError extends FlipDbError {
  override name = "DatabaseError" as const;
  readonly code = "DATABASE_FATAL";
}
