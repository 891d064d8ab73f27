import { EXIT_FATAL, SeedError } from "./SeedError.js";

/** The database could not be reached or refused the seed's transaction; the transaction was rolled back. */
export class DatabaseError extends SeedError {
  override name = "DatabaseError" as const;
  readonly code = "DATABASE_FATAL";
  readonly exitCode = EXIT_FATAL;
}
