import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { ConfigError } from "../../../src/shared/config/ConfigError.js";
import { clientConfigOf } from "../../../src/shared/postgres/location.js";
import { sslOptionOf, withoutTlsParameters } from "../../../src/shared/postgres/tls.js";

const directory = mkdtempSync(path.join(tmpdir(), "flip-db-tls-unit-"));
const CA = path.join(directory, "ca.pem");
const CERT = path.join(directory, "client.pem");
const KEY = path.join(directory, "client.key");
writeFileSync(CA, "CA PEM");
writeFileSync(CERT, "CLIENT CERT PEM");
writeFileSync(KEY, "CLIENT KEY PEM");
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const BASE = "postgresql://flip:pw@db.internal:5432/flip";

/** The option for `query`, with checkServerIdentity shown as whether it skips the host check. */
function optionFor(query: string) {
  const option = sslOptionOf(`${BASE}?${query}`);
  if (option === false) return false;
  const { checkServerIdentity, ...rest } = option;
  return {
    ...rest,
    ...(checkServerIdentity === undefined ? {} : { anyHost: checkServerIdentity("db.internal", {} as never) === undefined }),
  };
}

describe("the URL's TLS settings, with libpq's meaning", () => {
  it("uses no TLS for disable, allow, and a URL without sslmode", () => {
    expect(sslOptionOf(BASE)).toBe(false);
    expect(optionFor("sslmode=disable")).toBe(false);
    expect(optionFor("sslmode=allow")).toBe(false);
    expect(optionFor("ssl=false")).toBe(false);
  });

  it("encrypts without checking the certificate for require and prefer without sslrootcert", () => {
    expect(optionFor("sslmode=require")).toEqual({ rejectUnauthorized: false });
    expect(optionFor("sslmode=prefer")).toEqual({ rejectUnauthorized: false });
  });

  it("checks the CA, not the host, for require with sslrootcert (as libpq) and for verify-ca", () => {
    expect(optionFor(`sslmode=require&sslrootcert=${CA}`)).toEqual({ ca: "CA PEM", rejectUnauthorized: true, anyHost: true });
    expect(optionFor(`sslmode=verify-ca&sslrootcert=${CA}`)).toEqual({ ca: "CA PEM", rejectUnauthorized: true, anyHost: true });
    expect(optionFor("sslmode=verify-ca")).toEqual({ rejectUnauthorized: true, anyHost: true });
  });

  it("checks the CA and the host for verify-full, ssl=true, and an sslrootcert without sslmode", () => {
    expect(optionFor(`sslmode=verify-full&sslrootcert=${CA}`)).toEqual({ ca: "CA PEM", rejectUnauthorized: true });
    expect(optionFor("sslmode=verify-full")).toEqual({ rejectUnauthorized: true });
    expect(optionFor("ssl=true")).toEqual({ rejectUnauthorized: true });
    expect(optionFor(`sslrootcert=${CA}`)).toEqual({ ca: "CA PEM", rejectUnauthorized: true });
  });

  it("takes sslrootcert=system as Node's trusted CAs, and sslcert/sslkey as the client's certificate", () => {
    expect(optionFor("sslmode=verify-full&sslrootcert=system")).toEqual({ rejectUnauthorized: true });
    expect(optionFor(`sslmode=verify-full&sslcert=${CERT}&sslkey=${KEY}`)).toEqual({
      cert: "CLIENT CERT PEM",
      key: "CLIENT KEY PEM",
      rejectUnauthorized: true,
    });
  });

  it("refuses an unknown sslmode and a file that cannot be read, in one line naming it", () => {
    expect(() => sslOptionOf(`${BASE}?sslmode=strict`)).toThrow(ConfigError);
    expect(() => sslOptionOf(`${BASE}?sslmode=strict`)).toThrow(
      "sslmode=strict is not a TLS mode: use one of disable, allow, prefer, require, verify-ca, verify-full",
    );
    expect(() => sslOptionOf(`${BASE}?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem`)).toThrow(
      "sslrootcert /nonexistent/ca.pem cannot be read (ENOENT): give the path of a PEM file this process may read",
    );
    expect(() => sslOptionOf(`${BASE}?sslmode=require&sslkey=/nonexistent/key.pem`)).toThrow("sslkey /nonexistent/key.pem cannot be read");
  });

  it("gives pg discrete fields and an explicit ssl, never the URL's TLS parameters (so pg prints no warning)", () => {
    const url = `${BASE}?sslmode=require&schema=app&uselibpqcompat=true&sslrootcert=${CA}`;
    expect(withoutTlsParameters(url)).toBe(`${BASE}?&schema=app&&`);
    const config = clientConfigOf(url);
    expect(config).toMatchObject({ host: "db.internal", port: 5432, database: "flip", user: "flip", password: "pw" });
    expect(config.ssl).toMatchObject({ ca: "CA PEM", rejectUnauthorized: true });
    expect(clientConfigOf(`${BASE}?sslmode=disable`).ssl).toBe(false);
  });
});
