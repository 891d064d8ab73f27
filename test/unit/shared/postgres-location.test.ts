import { describe, expect, it } from "vitest";

import { locateDatabase, readPostgresUrl } from "../../../src/shared/postgres/location.js";

describe("locateDatabase", () => {
  it.each([
    [
      "host, port, schema",
      "postgresql://flip:pw@db.internal:6543/flip?schema=platform",
      { location: "db.internal:6543", database: "flip", schema: "platform" },
    ],
    [
      "the default port and schema",
      "postgres://flip@db.internal/flip",
      { location: "db.internal:5432", database: "flip", schema: "public" },
    ],
    [
      "a Unix socket",
      "postgresql:///flip?host=/var/run/postgresql",
      { location: "/var/run/postgresql:5432", database: "flip", schema: "public" },
    ],
    [
      "a Unix socket beside a host",
      "postgresql://flip@localhost/flip?host=/var/run/postgresql",
      { location: "/var/run/postgresql:5432", database: "flip", schema: "public" },
    ],
    ["IPv6 and an encoded name", "postgresql://flip@[::1]:5433/my%20db", { location: "[::1]:5433", database: "my db", schema: "public" }],
    [
      "a certificate file that does not exist (never read here)",
      "postgresql://flip@db/flip?sslcert=/no/such/file",
      { location: "db:5432", database: "flip", schema: "public" },
    ],
  ])("%s", (_label, url, expected) => {
    expect(locateDatabase(url)).toEqual(expected);
  });
});

describe("readPostgresUrl", () => {
  it("reads the user and the password decoded, and Prisma's ?schema= as given", () => {
    expect(readPostgresUrl("postgresql://fl%40p:p%40ss%2Fw0rd@db.internal:6543/flip?schema=platform&sslmode=require")).toEqual({
      host: "db.internal",
      port: 6543,
      user: "fl@p",
      password: "p@ss/w0rd",
      database: "flip",
      schemaParameter: "platform",
      schema: "platform",
      location: "db.internal:6543",
    });
  });

  it("leaves what the URL does not say undefined: no host, no user, no password, no schema", () => {
    expect(readPostgresUrl("postgres:///flip?schema=")).toMatchObject({
      host: undefined,
      user: undefined,
      password: undefined,
      schemaParameter: undefined,
      schema: "public",
      location: "localhost:5432",
    });
  });

  it("reads no certificate file, whatever the TLS parameters", () => {
    const url = "postgresql://flip@db/flip?sslmode=verify-ca&uselibpqcompat=true&sslrootcert=/no/such/ca&sslkey=/no/such/key";
    expect(readPostgresUrl(url)).toMatchObject({ host: "db", database: "flip" });
  });

  it.each([
    ["mysql://flip:s3cret@db/flip", "got mysql://"],
    ["db.internal:5432", "got no URL"],
    ["not a url", "got no URL"],
  ])("refuses %j without echoing it", (url, got) => {
    expect(() => readPostgresUrl(url)).toThrow(`The database URL must start with postgresql:// (${got}).`);
  });
});
