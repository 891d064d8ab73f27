import { describe, expect, it } from "vitest";

import { DatabaseWaitError, waitForDatabase, type WaitDependencies } from "../../../src/deploy/wait-for-database.js";

const pgError = (code: string) => Object.assign(new Error(code), { code });
const DB = { location: "db:5432", variable: "DATABASE_URL" };

/** A clock that only moves when slept on, and a connection that answers from a script. */
function fakes(answers: Array<Error | "ok">) {
  let time = 0;
  const lines: string[] = [];
  const sleeps: number[] = [];
  let calls = 0;
  const deps: WaitDependencies = {
    checkConnection: async () => {
      const answer = answers[Math.min(calls++, answers.length - 1)]!;
      if (answer !== "ok") throw answer;
    },
    log: (line) => lines.push(line),
    now: () => time,
    sleep: async (ms) => {
      sleeps.push(ms);
      time += ms;
    },
  };
  return { deps, lines, sleeps, calls: () => calls };
}

describe("waitForDatabase", () => {
  it("returns at once when PostgreSQL accepts connections", async () => {
    const f = fakes(["ok"]);
    await waitForDatabase(DB, 30, f.deps);
    expect(f.calls()).toBe(1);
    expect(f.sleeps).toEqual([]);
    expect(f.lines).toEqual(["PostgreSQL at db:5432 accepts connections"]);
  });

  it("waits while the server refuses or is starting up, backing off to 2 s, and says how long it took", async () => {
    const f = fakes([
      pgError("ECONNREFUSED"),
      pgError("ECONNREFUSED"),
      pgError("57P03"),
      pgError("ECONNREFUSED"),
      pgError("ECONNREFUSED"),
      "ok",
    ]);
    await waitForDatabase(DB, 30, f.deps);
    expect(f.sleeps).toEqual([250, 500, 1_000, 2_000, 2_000]);
    expect(f.lines[0]).toBe("waiting for PostgreSQL at db:5432 (ECONNREFUSED), 30 s left");
    expect(f.lines.at(-1)).toBe("PostgreSQL at db:5432 accepts connections (after 5.8 s)");
  });

  it("counts a database that does not exist yet as up: migrate deploy creates it", async () => {
    const f = fakes([pgError("3D000")]);
    await waitForDatabase(DB, 30, f.deps);
    expect(f.calls()).toBe(1);
  });

  it("gives up after the bound, saying what it last saw and what to do", async () => {
    const f = fakes([pgError("ECONNREFUSED")]);
    await expect(waitForDatabase(DB, 10, f.deps)).rejects.toThrow(
      new DatabaseWaitError([
        "PostgreSQL at db:5432 did not accept connections within 10 s (last: ECONNREFUSED): check DATABASE_URL and that the database is up, or wait longer with --wait-for-db <seconds>",
      ]),
    );
    // Never sleeps past the deadline.
    expect(f.sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it("treats pg's own connect timeout as not up yet", async () => {
    const f = fakes([new Error("Connection terminated due to connection timeout"), "ok"]);
    await waitForDatabase(DB, 30, f.deps);
    expect(f.lines[0]).toMatch(/\(ETIMEDOUT\)/);
  });

  it("does not wait on wrong credentials: waiting cannot fix them", async () => {
    const f = fakes([pgError("28P01")]);
    await expect(waitForDatabase(DB, 30, f.deps)).rejects.toThrow(/refused the credentials in DATABASE_URL/);
    expect(f.sleeps).toEqual([]);
  });

  it("names the variable it was given: DIRECT_URL, when migrations use it", async () => {
    const direct = { location: "db-primary:5432", variable: "DIRECT_URL" };
    await expect(waitForDatabase(direct, 30, fakes([pgError("28P01")]).deps)).rejects.toThrow(
      "PostgreSQL at db-primary:5432 refused the credentials in DIRECT_URL: check its user and password",
    );
    await expect(waitForDatabase(direct, 1, fakes([pgError("ECONNREFUSED")]).deps)).rejects.toThrow(
      /: check DIRECT_URL and that the database is up/,
    );
  });

  it("does not wait on a TLS failure, and says it in words, not the OpenSSL code", async () => {
    const f = fakes([pgError("UNABLE_TO_VERIFY_LEAF_SIGNATURE")]);
    await expect(waitForDatabase(DB, 30, f.deps)).rejects.toThrow(
      new DatabaseWaitError([
        "PostgreSQL at db:5432 cannot be used over TLS: the server's TLS certificate is not signed by the CA in sslrootcert (without sslrootcert, by a CA Node trusts): put the server's CA in DATABASE_URL's sslrootcert",
      ]),
    );
    expect(f.sleeps).toEqual([]);
    await expect(waitForDatabase(DB, 30, fakes([new Error("The server does not support SSL connections")]).deps)).rejects.toThrow(
      "PostgreSQL at db:5432 cannot be used over TLS: the server does not accept TLS: set sslmode=disable in DATABASE_URL, or turn ssl on in the server",
    );
  });
});
