import { errorCode } from "../shared/errors.js";
import { describeTlsFailure, isCredentialsFault, isNoSuchDatabase, isUnreachable, prismaCodeFor } from "../shared/postgres/error-codes.js";
import type { PostgresTarget } from "./postgres-target.js";
import { SchemaEngineError } from "./SchemaEngineError.js";

/**
 * Translates a pg connection error into the code and words the native engine
 * uses (P1000 credentials, P1001 unreachable, P1003 no such database), so the
 * CLI reacts the same way: `migrate deploy` creates a missing database on P1003.
 * Messages name the server and user, never the password.
 */
export function describeConnectionError(error: unknown, target: PostgresTarget): SchemaEngineError {
  const code = errorCode(error);
  const user = target.client.user ?? "";
  const tls = describeTlsFailure(error);
  if (tls !== undefined) return new SchemaEngineError(`The database server at \`${target.location}\` cannot be used over TLS: ${tls}`);
  if (isNoSuchDatabase(code)) {
    return new SchemaEngineError(`Database \`${target.database}\` does not exist on the database server at \`${target.location}\`.`, {
      prismaCode: prismaCodeFor("noSuchDatabase"),
    });
  }
  if (isCredentialsFault(code)) {
    return new SchemaEngineError(
      `Authentication failed against database server at \`${target.location}\`, the provided database credentials for \`${user}\` are not valid.`,
      { prismaCode: prismaCodeFor("badCredentials") },
    );
  }
  if (isUnreachable(code)) {
    return new SchemaEngineError(`Can't reach database server at \`${target.location}\` (${code}).`, {
      prismaCode: prismaCodeFor("unreachable"),
    });
  }
  return new SchemaEngineError(error instanceof Error ? error.message : String(error));
}
