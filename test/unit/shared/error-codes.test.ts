import { describe, expect, it } from "vitest";

import {
  DATABASE_FAULTS,
  describeTlsFailure,
  isCredentialsFault,
  isNoSuchDatabase,
  isNoSuchTable,
  isStartingUp,
  isUnreachable,
  prismaCodeFor,
  saysFault,
  tlsFailureLine,
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

describe("the table of TLS failures", () => {
  const cases: [string, { code?: string; message: string }, string][] = [
    [
      "a CA that does not sign the leaf",
      { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", message: "unable to verify the first certificate" },
      "is not signed by the CA in sslrootcert",
    ],
    [
      "a self-signed chain",
      { code: "SELF_SIGNED_CERT_IN_CHAIN", message: "self-signed certificate in certificate chain" },
      "is not signed by the CA in sslrootcert",
    ],
    [
      "a self-signed certificate",
      { code: "DEPTH_ZERO_SELF_SIGNED_CERT", message: "self-signed certificate" },
      "is not signed by the CA in sslrootcert",
    ],
    [
      "a certificate for another host",
      { code: "ERR_TLS_CERT_ALTNAME_INVALID", message: "Hostname/IP does not match" },
      "does not name the host in DATABASE_URL",
    ],
    ["an expired certificate", { code: "CERT_HAS_EXPIRED", message: "certificate has expired" }, "has expired: renew it on the server"],
    ["a certificate not valid yet", { code: "CERT_NOT_YET_VALID", message: "certificate is not yet valid" }, "is not valid yet"],
    [
      "a server without TLS",
      { message: "The server does not support SSL connections" },
      "the server does not accept TLS: set sslmode=disable",
    ],
  ];

  it.each(cases)("words %s in one line that says what to set, without the code", (_name, failure, words) => {
    const error = Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code });
    const line = describeTlsFailure(error);
    expect(line).toContain(words);
    expect(line).not.toContain("\n");
    if (failure.code !== undefined) expect(line).not.toContain(failure.code);
    // Found where Prisma's adapter nests it too.
    expect(describeTlsFailure(new Error("wrapped", { cause: error }))).toBe(line);
  });

  it("reads the failure from the message where a wrapper kept only that (Prisma's P1011)", () => {
    const prisma = Object.assign(new Error("Error opening a TLS connection: unable to verify the first certificate"), { code: "P1011" });
    expect(describeTlsFailure(prisma)).toContain("is not signed by the CA in sslrootcert");
  });

  it("names the URL's variable and leaves other errors alone", () => {
    const wrongHost = Object.assign(new Error("Hostname/IP does not match"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    expect(describeTlsFailure(wrongHost, "DIRECT_URL")).toContain("does not name the host in DIRECT_URL");
    expect(describeTlsFailure(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toBeUndefined();
    expect(tlsFailureLine(["28P01"], ["password authentication failed"])).toBeUndefined();
  });
});
