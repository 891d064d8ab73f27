/**
 * Suite 4: database faults. Unreachable at start, gone between resolution and
 * apply, wrong credentials: each ends the seed with exit 1 and one clear line
 * (never the password), within a stated time, and nothing partial is written.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import type { SeedReport } from "../../src/seed/report.js";
import { logLines, output } from "../support/commands.js";
import { tableContents } from "../support/database-state.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { entry } from "../support/seed-fixture.js";
import { stack } from "../support/stack.js";
import { startSilentServer, startTcpProxy } from "../support/tcp-proxy.js";
import { count, mustBeZero } from "./support/figures.js";
import { checkOutput, reliabilityScenario, seedDirect } from "./support/runs.js";

const ENTRIES = [entry("ada@example.org", "Admin"), entry("ben@example.org", "Researcher"), entry("cy@example.org", "Viewer")];
const POOL = ENTRIES.map(({ email }) => ({ email }));

/** The README's bounds: a refused connection fails at once; a silent server after SEED_DATABASE_CONNECT_TIMEOUT_MS. */
const REFUSED_BOUND_MS = 2_000;
const CONNECT_TIMEOUT_MS = 2_000;

function withPort(databaseUrl: string, port: number, password?: string): string {
  const url = new URL(databaseUrl);
  url.port = String(port);
  if (password !== undefined) url.password = password;
  return url.toString();
}

async function reportPath(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), "flip-db-report-")), "report.json");
}

/** The seed's own time, from its report: process start-up belongs to the machine, not the seed. */
async function seedTime(report: string): Promise<number> {
  return (JSON.parse(await readFile(report, "utf8")) as SeedReport).durationMs;
}

async function rowsIn(databaseUrl: string): Promise<number> {
  const state = await tableContents(databaseUrl);
  return state.roles.length + state.profiles.length + state.userRoles.length + state.seedGrants.length;
}

describe("database faults", () => {
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it(`unreachable at start (connection refused): exit 1 within ${REFUSED_BOUND_MS} ms of the seed's work, one clear line`, async (context) => {
    const s = await reliabilityScenario(POOL, ENTRIES);
    const report = await reportPath();
    const result = await seedDirect(context, s, ["--report", report], { DATABASE_URL: withPort(s.databaseUrl, 1) });
    const fatal = logLines(result).filter((line) => line.level === "fatal");
    const seedMs = await seedTime(report);
    const held =
      result.code === 1 &&
      fatal.length === 1 &&
      /cannot reach the database at 127\.0\.0\.1:1/.test(fatal[0]?.msg ?? "") &&
      seedMs < REFUSED_BOUND_MS;
    count(context, "database fault: unreachable at start (refused)", 1, held ? 1 : 0);
    expect(result.code, output(result)).toBe(1);
    expect(fatal.map((line) => line.msg)).toEqual([
      "database: cannot reach the database at 127.0.0.1:1: check DATABASE_URL and that PostgreSQL is running; nothing was written",
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(seedMs).toBeLessThan(REFUSED_BOUND_MS);
  });

  it(`unreachable at start (a server that never answers): exit 1 once SEED_DATABASE_CONNECT_TIMEOUT_MS (${CONNECT_TIMEOUT_MS} ms) has passed`, async (context) => {
    const s = await reliabilityScenario(POOL, ENTRIES);
    const silent = await startSilentServer();
    try {
      const report = await reportPath();
      const result = await seedDirect(context, s, ["--report", report], {
        DATABASE_URL: withPort(s.databaseUrl, silent.port),
        SEED_DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      });
      const fatal = logLines(result).filter((line) => line.level === "fatal");
      const seedMs = await seedTime(report);
      const inTime = seedMs >= CONNECT_TIMEOUT_MS && seedMs < CONNECT_TIMEOUT_MS + 1_500;
      const held = result.code === 1 && fatal.length === 1 && /did not answer in time/.test(fatal[0]?.msg ?? "") && inTime;
      count(context, "database fault: unreachable at start (silent)", 1, held ? 1 : 0);
      expect(result.code, output(result)).toBe(1);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]?.msg).toMatch(/^database: the database at 127\.0\.0\.1:\d+ did not answer in time/);
      expect(inTime, `seed time ${seedMs} ms`).toBe(true);
    } finally {
      await silent.close();
    }
  });

  it("gone between resolution and apply: exit 1, nothing written", async (context) => {
    const s = await reliabilityScenario(POOL, ENTRIES);
    const tcp = await startTcpProxy(stack().postgresPort);
    proxy = await startFaultProxy(stack().cognitoEndpoint);
    // Cognito answers slowly, and the database goes away while the seed waits for it.
    proxy.addFault({ match: "all", fault: { kind: "delay", ms: 1_500 } });
    const running = seedDirect(context, s, [], {
      DATABASE_URL: withPort(s.databaseUrl, tcp.port),
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: proxy.endpoint,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await tcp.cut();
    const result = await running;
    const fatal = logLines(result).filter((line) => line.level === "fatal");
    const rows = await rowsIn(s.databaseUrl);
    const resolvedBeforeApply = logLines(result).some((line) => /applying in one transaction/.test(line.msg));
    const held = result.code === 1 && fatal.length === 1 && rows === 0 && resolvedBeforeApply;
    count(context, "database fault: gone between resolution and apply", 1, held ? 1 : 0);
    mustBeZero(context, "rows lost or half-written", rows);
    expect(resolvedBeforeApply).toBe(true);
    expect(result.code, output(result)).toBe(1);
    expect(fatal[0]?.msg).toMatch(/^database: cannot reach the database at 127\.0\.0\.1:\d+/);
    expect(rows).toBe(0);
  });

  it("wrong credentials: exit 1, a clear line, and the wrong password appears nowhere", async (context) => {
    const s = await reliabilityScenario(POOL, ENTRIES);
    const wrong = "SENTINEL-wrong-password-0e7d41";
    const url = new URL(s.databaseUrl);
    url.password = wrong;
    const result = await seedDirect(context, s, [], { DATABASE_URL: url.toString() });
    checkOutput(context, result, []);
    const fatal = logLines(result).filter((line) => line.level === "fatal");
    const leaked = `${result.stdout}${result.stderr}`.includes(wrong);
    mustBeZero(context, "secret leaks", leaked ? 1 : 0);
    const held = result.code === 1 && fatal.length === 1 && !leaked;
    count(context, "database fault: wrong credentials", 1, held ? 1 : 0);
    expect(leaked).toBe(false);
    expect(result.code, output(result)).toBe(1);
    expect(fatal.map((line) => line.msg)).toEqual([
      expect.stringMatching(
        /^database: the database at 127\.0\.0\.1:\d+ refused the credentials in DATABASE_URL: check its user and password/,
      ),
    ]);
    expect(await rowsIn(s.databaseUrl)).toBe(0);
  });

  it("a database without the tables (migrate deploy not run): exit 1 with what to do", async (context) => {
    const s = await reliabilityScenario(POOL, ENTRIES, { migrated: false });
    const result = await seedDirect(context, s);
    const fatal = logLines(result).filter((line) => line.level === "fatal");
    const held = result.code === 1 && fatal.length === 1;
    count(context, "database fault: tables missing", 1, held ? 1 : 0);
    expect(result.code, output(result)).toBe(1);
    expect(fatal.map((line) => line.msg)).toEqual([
      "database: the seed's tables do not exist: run npx prisma migrate deploy before the seed; nothing was written",
    ]);
  });
});
