/**
 * Suite 2: crash consistency. The seed is killed with SIGKILL at random
 * moments of its apply phase, and separately its database backend is
 * terminated mid-transaction. Afterwards the database must hold either the
 * whole previous state or the whole new one, never a mix, and the next run
 * must reach the expected state.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SEED_APPLICATION_NAME } from "../../src/database/client.js";
import { startCognito, type LocalCognito, type PreloadedPool } from "../../src/dev/cognito.js";
import type { ManifestEntry } from "../../src/manifest/index.js";
import { output, prisma, ROOT } from "../support/commands.js";
import { tableContents } from "../support/database-state.js";
import { query } from "../support/postgres.js";
import { writeManifest } from "../support/seed-fixture.js";
import { stack } from "../support/stack.js";
import { count, mustBeZero, scale } from "./support/figures.js";
import { appUrl, checkOutput, migratedAppDatabase, seed, sentinelEnvironment } from "./support/runs.js";

/** Large enough that applying it takes a while. */
const USERS = scale(6_000, 3_000);
const KILLS = scale(10, 5);
const TERMINATIONS = scale(10, 3);
/**
 * Strikes land at a random moment of the first 70% of the transaction's
 * measured length: a kill takes a little while to reach the backend, and one
 * that arrives after the commit proves nothing.
 */
const STRIKE_WINDOW = 0.7;

type State = Awaited<ReturnType<typeof tableContents>>;

const ROLES = ["Admin", "Researcher", "Viewer"] as const;
const emailOf = (i: number) => `member${i}@trust.example.org`;

/** The previous manifest holds the first two thirds of the users; the new one all of them, every organisation changed. */
function manifest(version: "previous" | "new"): ManifestEntry[] {
  const size = version === "previous" ? Math.floor((USERS * 2) / 3) : USERS;
  return Array.from({ length: size }, (_, i) => ({
    email: emailOf(i),
    name: `Member ${i}`,
    organisation: `${version === "previous" ? "Old" : "New"} Trust ${i % 17}`,
    role: ROLES[i % 3]!,
  }));
}

function sameState(a: State, b: State): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Terminates the seed's backend, if it was found; whether PostgreSQL says it did. */
async function terminate(backend: number | undefined): Promise<boolean> {
  if (backend === undefined) return false;
  const [{ done } = { done: false }] = await query<{ done: boolean }>(stack().postgresAdminUrl, "SELECT pg_terminate_backend($1) AS done", [
    backend,
  ]);
  return done;
}

describe("crash consistency", () => {
  let cognito: LocalCognito;
  let env: (databaseUrl: string) => Record<string, string>;
  let entries: ManifestEntry[];
  let previousTemplate: string;
  let previous: State;
  let expected: State;
  /** How long the reference run's transaction stayed open, as the server saw it: the window the strikes aim at. */
  let transactionMs: number;

  async function cloneOfPrevious(): Promise<string> {
    const name = `crash_${randomBytes(6).toString("hex")}`;
    await query(stack().postgresAdminUrl, `CREATE DATABASE "${name}" TEMPLATE "${previousTemplate}" OWNER "${stack().appUser}"`);
    return appUrl(name);
  }

  /** Runs `work` with one admin connection: polling through a fresh connection each time would see the transaction late. */
  async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: stack().postgresAdminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /**
   * The pid of the seed's backend once it has a transaction open in
   * `database`, or undefined if the seed exited first. Polled every 2 ms.
   */
  function openTransaction(database: string, exited: Promise<unknown>): Promise<number | undefined> {
    let done = false;
    void exited.then(() => (done = true));
    return withAdmin(async (client) => {
      while (!done) {
        const { rows } = await client.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = $2 AND xact_start IS NOT NULL",
          [SEED_APPLICATION_NAME, database],
        );
        if (rows[0]) return rows[0].pid;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return undefined;
    });
  }

  /** Waits while the backend `pid` still has a transaction open. */
  function transactionClosed(pid: number): Promise<void> {
    return withAdmin(async (client) => {
      for (;;) {
        const { rows } = await client.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND xact_start IS NOT NULL", [pid]);
        if (rows.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    });
  }

  /** Starts `npx prisma db seed` in its own process group, so that one signal reaches the seed itself. */
  function startSeed(databaseUrl: string) {
    const child = spawn("npx", ["prisma", "db", "seed"], { cwd: ROOT, env: { ...process.env, ...env(databaseUrl) }, detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("close", (code, signal) => resolve({ code, signal })),
    );
    return {
      exited,
      /** Kills the whole process group; false when it had already finished. */
      kill: () => {
        try {
          process.kill(-child.pid!, "SIGKILL");
          return true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
          throw error;
        }
      },
      result: async () => ({ ...(await exited), stdout, stderr, durationMs: 0 }),
    };
  }

  beforeAll(async () => {
    // (The kills below aim inside this window; a kill that comes after the seed finished counts as "after commit".)
    const pool: PreloadedPool = { id: "local_crash", users: Array.from({ length: USERS }, (_, i) => ({ email: emailOf(i) })) };
    cognito = await startCognito(() => {}, [pool]);
    const [previousManifest, newManifest] = await Promise.all([writeManifest(manifest("previous")), writeManifest(manifest("new"))]);
    entries = manifest("new");
    env = (databaseUrl) => ({
      ...sentinelEnvironment(databaseUrl, pool.id, newManifest),
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
      // The emulator on loopback can take far more than the production default.
      SEED_COGNITO_RPS: "1000",
    });

    // The previous state: a boot with the previous manifest.
    const base = await migratedAppDatabase();
    previousTemplate = new URL(base).pathname.slice(1);
    const first = await prisma(["db", "seed"], { ...env(base), SEED_USERS_FILE: previousManifest });
    expect(first.code, output(first)).toBe(0);
    previous = await tableContents(base);

    // The new state, and how long its transaction stays open, from an undisturbed run.
    const reference = await cloneOfPrevious();
    const run = startSeed(reference);
    const pid = await openTransaction(new URL(reference).pathname.slice(1), run.exited);
    const opened = performance.now();
    if (pid === undefined) throw new Error("the reference run's transaction was never seen open");
    await transactionClosed(pid);
    transactionMs = performance.now() - opened;
    const done = await run.exited;
    expect(done.code).toBe(0);
    expected = await tableContents(reference);
    expect(expected.profiles).toHaveLength(USERS);
    expect(previous.profiles).toHaveLength(Math.floor((USERS * 2) / 3));
    console.log(`crash suite: ${USERS} users; the transaction applying the new manifest stays open ${Math.round(transactionMs)} ms`);
  });

  afterAll(() => cognito?.stop());

  it(
    `SIGKILL at ${KILLS} random moments of the apply phase: whole previous state or whole new one, then convergence`,
    { timeout: scale(1_800_000, 300_000) },
    async (context) => {
      let survived = 0;
      let mixes = 0;
      let beforeCommit = 0;
      let afterExit = 0;
      for (let i = 0; i < KILLS; i++) {
        const databaseUrl = await cloneOfPrevious();
        const run = startSeed(databaseUrl);
        // Strike at a random moment of the transaction, once the server shows it open.
        await openTransaction(new URL(databaseUrl).pathname.slice(1), run.exited);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * transactionMs * STRIKE_WINDOW));
        if (!run.kill()) afterExit += 1;
        await run.exited;
        checkOutput(
          context,
          await run.result(),
          entries.map((e) => e.email),
        );

        const state = await tableContents(databaseUrl);
        const wasPrevious = sameState(state, previous);
        const wasNew = sameState(state, expected);
        if (wasPrevious) beforeCommit += 1;
        if (!wasPrevious && !wasNew) mixes += 1;

        const next = await seed(context, { env: env(databaseUrl), entries });
        const converged = next.code === 0 && sameState(await tableContents(databaseUrl), expected);
        if ((wasPrevious || wasNew) && converged) survived += 1;
        expect(wasPrevious || wasNew, "a mix of the previous and the new state").toBe(true);
        expect(converged, output(next)).toBe(true);
      }
      console.log(
        `SIGKILL: ${KILLS} kills, ${beforeCommit} inside the transaction (previous state kept), ${KILLS - beforeCommit} after commit` +
          ` (${afterExit} of them after the seed had already exited)`,
      );
      count(context, "crash: SIGKILL during the apply phase", KILLS, survived);
      mustBeZero(context, "rows lost or half-written", mixes);
      // A suite whose kills all land after the commit would prove nothing.
      expect(beforeCommit).toBeGreaterThan(0);
    },
  );

  it(
    `the seed's database backend terminated at ${TERMINATIONS} random moments mid-transaction: the same`,
    { timeout: scale(1_800_000, 300_000) },
    async (context) => {
      let survived = 0;
      let mixes = 0;
      let terminated = 0;
      for (let i = 0; i < TERMINATIONS; i++) {
        const databaseUrl = await cloneOfPrevious();
        const database = new URL(databaseUrl).pathname.slice(1);
        const run = startSeed(databaseUrl);
        // Wait for the seed's transaction to open, then strike somewhere inside it.
        const backend = await openTransaction(database, run.exited);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * transactionMs * STRIKE_WINDOW));
        if (await terminate(backend)) terminated += 1;
        const exit = await run.exited;
        const result = await run.result();
        checkOutput(
          context,
          result,
          entries.map((e) => e.email),
        );

        const state = await tableContents(databaseUrl);
        const wasPrevious = sameState(state, previous);
        const wasNew = sameState(state, expected);
        if (!wasPrevious && !wasNew) mixes += 1;
        // Killed inside the transaction: the seed says so and fails; after the commit it had already succeeded.
        const honest = wasPrevious ? exit.code === 1 && /connection to the database .* was lost/.test(result.stdout) : exit.code === 0;

        const next = await seed(context, { env: env(databaseUrl), entries });
        const converged = next.code === 0 && sameState(await tableContents(databaseUrl), expected);
        if ((wasPrevious || wasNew) && honest && converged) survived += 1;
        expect(wasPrevious || wasNew, "a mix of the previous and the new state").toBe(true);
        expect(honest, `exit ${String(exit.code)} with state ${wasPrevious ? "previous" : "new"}\n${result.stdout}`).toBe(true);
        expect(converged, output(next)).toBe(true);
      }
      console.log(`pg_terminate_backend: ${TERMINATIONS} attempts, ${terminated} backends terminated`);
      count(context, "crash: database backend terminated mid-transaction", TERMINATIONS, survived);
      mustBeZero(context, "rows lost or half-written", mixes);
      expect(terminated).toBeGreaterThan(0);
    },
  );
});
