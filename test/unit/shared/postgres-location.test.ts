import { describe, expect, it } from "vitest";

import { describeLocation, locateDatabase } from "../../../src/shared/postgres/location.js";

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

describe("describeLocation", () => {
  it("names the server, or says no more for what is not a URL", () => {
    expect(describeLocation("postgresql://flip:pw@db.internal:6543/flip")).toBe("db.internal:6543");
    expect(describeLocation("not a url")).toBe("the configured server");
    expect(describeLocation(undefined)).toBe("the configured server");
  });
});
