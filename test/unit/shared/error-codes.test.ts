import { describe, expect, it } from "vitest";

import {
  DATABASE_FAULTS,
  isCredentialsFault,
  isNoSuchDatabase,
  isNoSuchTable,
  isStartingUp,
  isUnreachable,
  prismaCodeFor,
  saysFault,
} from "../../../src/shared/postgres/error-codes.js";

describe("the table of database error codes", () => {
  it("reads a fault from whichever layer says it: SQLSTATE, errno, P-code or adapter kind", () => {
    for (const code of ["42P01", "P2021", "TableDoesNotExist"]) expect(isNoSuchTable(code)).toBe(true);
    for (const code of ["3D000", "P1003", "DatabaseDoesNotExist"]) expect(isNoSuchDatabase(code)).toBe(true);
    for (const code of ["28P01", "28000", "P1000", "AuthenticationFailed"]) expect(isCredentialsFault(code)).toBe(true);
    expect(saysFault("noSuchTable", "23505", undefined, "42P01")).toBe(true);
    expect(saysFault("noSuchTable", "23505", undefined)).toBe(false);
  });

  it("counts a cut-off connection as unreachable for waiting, but not a lost backend or a broken pipe", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ECONNRESET", "ETIMEDOUT"]) {
      expect(isUnreachable(code)).toBe(true);
    }
    for (const code of ["57P01", "EPIPE", "3D000", "28P01", undefined]) expect(isUnreachable(code)).toBe(false);
    expect(isStartingUp("57P03")).toBe(true);
    expect(isStartingUp("57P01")).toBe(false);
  });

  it("gives the schema engine the native engine's P-codes", () => {
    expect([prismaCodeFor("badCredentials"), prismaCodeFor("unreachable"), prismaCodeFor("noSuchDatabase")]).toEqual([
      "P1000",
      "P1001",
      "P1003",
    ]);
  });

  it("keeps every layer's codes in their own shape", () => {
    for (const codes of Object.values(DATABASE_FAULTS)) {
      for (const sqlstate of "sqlstate" in codes ? codes.sqlstate : []) expect(sqlstate).toMatch(/^[0-9A-Z]{5}$/);
      for (const errno of "errno" in codes ? codes.errno : []) expect(errno).toMatch(/^E[A-Z_]+$/);
      for (const prisma of "prisma" in codes ? codes.prisma : []) expect(prisma).toMatch(/^P\d{4}$/);
    }
  });
});
