import { describe, expect, it } from "vitest";

import { describeConnectionError } from "../../../src/schema-engine/connection-errors.js";
import { parsePostgresUrl } from "../../../src/schema-engine/postgres-target.js";
import { quoteIdentifier } from "../../../src/shared/postgres/quote.js";

describe("parsePostgresUrl", () => {
  it("reads discrete fields, so a shadow database can replace the database name", () => {
    const target = parsePostgresUrl("postgresql://flip:s3cret@db.internal:6543/flip?schema=app");
    expect(target.client).toMatchObject({ host: "db.internal", port: 6543, user: "flip", password: "s3cret", database: "flip" });
    expect(target.client).not.toHaveProperty("connectionString");
    expect(target.schema).toBe("app");
    expect(target.location).toBe("db.internal:6543");
    expect(target.database).toBe("flip");
  });

  it("defaults the port, and leaves the schema to Postgres when none is given", () => {
    const target = parsePostgresUrl("postgres://u@localhost/db");
    expect(target.location).toBe("localhost:5432");
    expect(target.schema).toBeUndefined();
  });

  it("rejects other databases' URLs", () => {
    expect(() => parsePostgresUrl("mysql://u:p@h/db")).toThrow("postgresql://");
  });
});

describe("quoteIdentifier", () => {
  it("doubles embedded quotes", () => {
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"');
  });
});

describe("describeConnectionError", () => {
  const target = parsePostgresUrl("postgresql://flip:s3cret@db.internal:6543/flip");
  const pgError = (code: string, message = "x") => Object.assign(new Error(message), { code });

  it.each([
    ["3D000", "P1003", "Database `flip` does not exist on the database server at `db.internal:6543`."],
    [
      "28P01",
      "P1000",
      "Authentication failed against database server at `db.internal:6543`, the provided database credentials for `flip` are not valid.",
    ],
    ["ECONNREFUSED", "P1001", "Can't reach database server at `db.internal:6543` (ECONNREFUSED)."],
    ["ENOTFOUND", "P1001", "Can't reach database server at `db.internal:6543` (ENOTFOUND)."],
  ])("maps %s to %s", (code, prismaCode, message) => {
    const failure = describeConnectionError(pgError(code), target);
    expect(failure.prismaCode).toBe(prismaCode);
    expect(failure.message).toBe(message);
    expect(failure.message).not.toContain("s3cret");
  });

  it("passes other errors through by message, without a code", () => {
    const failure = describeConnectionError(pgError("53300", "too many connections"), target);
    expect(failure.prismaCode).toBeUndefined();
    expect(failure.message).toBe("too many connections");
  });
});
