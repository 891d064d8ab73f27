import { describe, expect, it } from "vitest";

import { exitCodeFor } from "../../../src/shared/cli/exit-codes.js";

import { toDatabaseError } from "../../../src/database/errors.js";
import { locateDatabase } from "../../../src/shared/postgres/location.js";

const URL = "postgresql://flip:s3cret-pw@db.internal:6543/flip";
/** Where the client opened on `URL` says it connects (`connectDatabase` sets it so). */
const LOCATION = locateDatabase(URL).location;

/** Prisma's error for a failed raw query, with the adapter's error nested in `meta`. */
function prismaRawError(originalCode: string, kind: string) {
  return Object.assign(new Error("Invalid `prisma.$queryRaw()` invocation:"), {
    name: "PrismaClientKnownRequestError",
    code: "P2010",
    meta: { driverAdapterError: { name: "DriverAdapterError", cause: { originalCode, kind, originalMessage: "..." } } },
  });
}

describe("toDatabaseError", () => {
  it.each([
    [
      "connection refused",
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      /cannot reach the database at db\.internal:6543/,
    ],
    [
      "wrong password (nested in Prisma's meta)",
      prismaRawError("28P01", "AuthenticationFailed"),
      /refused the credentials in DATABASE_URL/,
    ],
    [
      "no such database",
      prismaRawError("3D000", "DatabaseDoesNotExist"),
      /does not exist at db\.internal:6543: run npx prisma migrate deploy first/,
    ],
    [
      "tables missing (nested in Prisma's meta)",
      prismaRawError("42P01", "TableDoesNotExist"),
      /tables do not exist: run npx prisma migrate deploy before the seed/,
    ],
    [
      "pg's connect timeout (by message)",
      new Error("Connection terminated due to connection timeout", { cause: new Error("timeout expired") }),
      /did not answer in time/,
    ],
    [
      "a terminated backend (by message)",
      new Error("Client has encountered a connection error and is not queryable"),
      /connection to the database .* was lost/,
    ],
    [
      "a broken pipe while sending (backend terminated mid-statement)",
      Object.assign(new Error("Invalid `prisma.$executeRaw()` invocation:\n\n\nwrite EPIPE"), { code: "EPIPE" }),
      /connection to the database .* was lost/,
    ],
    ["a reset connection", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), /connection to the database .* was lost/],
    [
      "a server certificate from another CA (nested as the adapter's cause)",
      new Error("adapter", {
        cause: Object.assign(new Error("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }),
      }),
      /^database: the database at db\.internal:6543 cannot be used over TLS: the server's TLS certificate is not signed by the CA in sslrootcert/,
    ],
    [
      "a server without TLS (by pg's message)",
      new Error("The server does not support SSL connections"),
      /cannot be used over TLS: the server does not accept TLS: set sslmode=disable in DATABASE_URL/,
    ],
    ["Prisma's transaction timeout", Object.assign(new Error("Transaction already closed"), { code: "P2028" }), /transaction timed out/],
  ])("%s", (_label, error, expected) => {
    const failure = toDatabaseError(error, LOCATION);
    expect(failure.problems).toHaveLength(1);
    expect(failure.problems[0]).toMatch(expected);
    expect(failure.problems[0]).toMatch(/; nothing was written$/);
    expect(failure.problems[0]).not.toContain("s3cret-pw");
    expect(exitCodeFor(failure)).toBe(1);
  });

  it("falls back to the first line of the message for anything else", () => {
    const failure = toDatabaseError(new Error("something odd\nmore detail"), LOCATION);
    expect(failure.problems[0]).toBe("database: the database failed during the seed's transaction (something odd); nothing was written");
  });

  it("skips Prisma's 'Invalid … invocation:' header for the line that says what happened", () => {
    const error = Object.assign(
      new Error("\nInvalid `prisma.$queryRaw()` invocation:\n\n\nRaw query failed. Code: `XX000`. Message: `odd`"),
      { code: "P2010" },
    );
    expect(toDatabaseError(error, LOCATION).problems[0]).toBe(
      "database: the database failed during the seed's transaction (Raw query failed. Code: `XX000`. Message: `odd`); nothing was written",
    );
  });
});
