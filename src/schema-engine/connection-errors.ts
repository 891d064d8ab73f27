import type { PostgresTarget } from "./postgres-target.js";

/** A connection failure in Prisma's vocabulary: the message the CLI prints and, when Prisma has one, its error code. */
export class ConnectionFailure extends Error {
  override name = "ConnectionFailure" as const;

  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET"]);

/**
 * Translates a pg connection error into the code and words the native engine
 * uses (P1000 credentials, P1001 unreachable, P1003 no such database), so the
 * CLI reacts the same way: `migrate deploy` creates a missing database on P1003.
 * Messages name the server and user, never the password.
 */
export function describeConnectionError(error: unknown, target: PostgresTarget): ConnectionFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const user = target.client.user ?? "";
  switch (code) {
    case "3D000":
      return new ConnectionFailure(
        `Database \`${target.database}\` does not exist on the database server at \`${target.location}\`.`,
        "P1003",
      );
    case "28P01":
    case "28000":
      return new ConnectionFailure(
        `Authentication failed against database server at \`${target.location}\`, the provided database credentials for \`${user}\` are not valid.`,
        "P1000",
      );
    default:
      if (typeof code === "string" && UNREACHABLE.has(code)) {
        return new ConnectionFailure(`Can't reach database server at \`${target.location}\` (${code}).`, "P1001");
      }
      return new ConnectionFailure(error instanceof Error ? error.message : String(error));
  }
}
