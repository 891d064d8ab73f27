import { describe, expect, it } from "vitest";

import {
  judgeSessions,
  PROBE_SCHEDULE,
  transactionPoolerProblem,
  type ProbeConnection,
  type SessionReading,
} from "../../../src/shared/postgres/transaction-pooler.js";

const TOKEN = "5f1c0ffee";

/**
 * The readings a probe makes when each statement of PROBE_SCHEDULE runs in the
 * session `serve` hands it; the session holds whatever was last set in it.
 */
function simulate(serve: (connection: ProbeConnection, position: number) => number): SessionReading[] {
  const settings = new Map<number, string>();
  return PROBE_SCHEDULE.map((connection, position) => {
    const backendPid = serve(connection, position);
    if (position === 0) settings.set(backendPid, TOKEN);
    return { connection, backendPid, setting: settings.get(backendPid) ?? null };
  });
}

/** A pooler that hands out its idle sessions `pids` in turn (PgBouncer's server_round_robin), nobody else using it. */
function roundRobin(pids: number[]) {
  const idle = [...pids];
  return () => {
    const pid = idle.shift()!;
    idle.push(pid);
    return pid;
  };
}

describe("judgeSessions", () => {
  it("two sessions of PostgreSQL's own (direct, or a session-mode pooler): no pooler", () => {
    const readings = simulate((connection) => (connection === "first" ? 101 : 202));
    expect(judgeSessions(TOKEN, readings)).toEqual({ transactionPooler: false });
  });

  it("a transaction pooler that hands the last-used session to the next client (PgBouncer's default): the two share it", () => {
    const readings = simulate(() => 101);
    expect(judgeSessions(TOKEN, readings)).toEqual({
      transactionPooler: true,
      evidence: "two connections open at once shared PostgreSQL session 101",
    });
  });

  it.each([2, 3, 5, 20])("a transaction pooler that hands out %i idle sessions in turn: one connection moves between sessions", (size) => {
    const pids = Array.from({ length: size }, (_, i) => 300 + i);
    const verdict = judgeSessions(TOKEN, simulate(roundRobin(pids)));
    expect(verdict.transactionPooler).toBe(true);
  });

  it("a pool of one session (default_pool_size = 1) is caught too", () => {
    expect(judgeSessions(TOKEN, simulate(roundRobin([7]))).transactionPooler).toBe(true);
  });

  it("names a connection whose statements ran in two sessions", () => {
    const readings = simulate((connection, position) => (connection === "second" ? 900 : position < 3 ? 100 : 101));
    expect(judgeSessions(TOKEN, readings)).toEqual({
      transactionPooler: true,
      evidence: "one connection's statements ran in PostgreSQL sessions 100 and 101",
    });
  });

  it("a setting seen on the other connection is a pooler even where the pids say nothing (a pooler that hides them)", () => {
    const readings: SessionReading[] = PROBE_SCHEDULE.map((connection) => ({
      connection,
      backendPid: connection === "first" ? 1 : 2,
      setting: TOKEN,
    }));
    expect(judgeSessions(TOKEN, readings)).toEqual({
      transactionPooler: true,
      evidence: "a setting made on one connection showed on another",
    });
  });

  it("a connection that lost its own setting is a pooler", () => {
    const readings: SessionReading[] = PROBE_SCHEDULE.map((connection, position) => ({
      connection,
      backendPid: connection === "first" ? 1 : 2,
      setting: connection === "first" && position < 3 ? TOKEN : null,
    }));
    expect(judgeSessions(TOKEN, readings)).toEqual({ transactionPooler: true, evidence: "a connection lost a setting it had made" });
  });

  it("another client's token in the second connection's session is not ours: no pooler", () => {
    const readings: SessionReading[] = PROBE_SCHEDULE.map((connection) => ({
      connection,
      backendPid: connection === "first" ? 1 : 2,
      setting: connection === "first" ? TOKEN : "someone-else's-token",
    }));
    expect(judgeSessions(TOKEN, readings)).toEqual({ transactionPooler: false });
  });

  it("the schedule starts with the first connection setting the token, and has it read twice in a row between the second's readings", () => {
    expect(PROBE_SCHEDULE[0]).toBe("first");
    const joined = PROBE_SCHEDULE.join(",");
    expect(joined).toContain("first,first");
    expect(joined).toContain("second,first,first,second");
  });
});

describe("transactionPoolerProblem", () => {
  it("for DATABASE_URL: says to set DIRECT_URL, and why", () => {
    expect(transactionPoolerProblem("DATABASE_URL", "pgbouncer:6432", "E")).toBe(
      "DATABASE_URL reaches pgbouncer:6432 through a transaction-mode pooler (E): migrations need a direct connection, " +
        "as Prisma Migrate's lock lasts a session: set DIRECT_URL to PostgreSQL itself (the seed keeps using DATABASE_URL)",
    );
  });

  it("for DIRECT_URL: says to point it at PostgreSQL", () => {
    expect(transactionPoolerProblem("DIRECT_URL", "pgbouncer:6432", "E")).toMatch(/: point DIRECT_URL at PostgreSQL itself$/);
  });
});
