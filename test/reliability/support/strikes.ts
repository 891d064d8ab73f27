/**
 * Striking a running seed where it hurts most: inside its transaction. A
 * command started in a process group of its own (so one signal reaches the
 * seed itself, whatever started it), the server's view of the seed's
 * transaction, polled through one admin connection, and the bench the crash
 * suites strike on: a previous state, a new manifest, and how long applying it
 * keeps a transaction open.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

import pg from "pg";
import { expect } from "vitest";

import { startCognito, type LocalCognito, type PreloadedPool } from "../../../dev/cognito.js";
import { SEED_APPLICATION_NAME } from "../../../src/database/client.js";
import type { ManifestEntry } from "../../../src/manifest/index.js";
import { output, prisma, ROOT } from "../../support/commands.js";
import { tableContents } from "../../support/database-state.js";
import { query } from "../../support/postgres.js";
import type { CommandResult } from "../../support/run-command.js";
import { writeManifest } from "../../support/seed-fixture.js";
import { stack } from "../../support/stack.js";
import { appUrl, migratedAppDatabase, sentinelEnvironment } from "./runs.js";

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
export function openTransaction(database: string, exited: Promise<unknown>): Promise<number | undefined> {
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

/** `command` from the package root in its own process group, with `env` over this process' environment. */
export function startKillable(command: string, args: readonly string[], env: Record<string, string>) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, detached: true });
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
    result: async (): Promise<CommandResult> => ({ ...(await exited), stdout, stderr, durationMs: 0 }),
  };
}

export type Killable = ReturnType<typeof startKillable>;

/**
 * Strikes land at a random moment of the first 70% of the transaction's
 * measured length: a kill takes a little while to reach the backend, and one
 * that arrives after the commit proves nothing.
 */
export const STRIKE_WINDOW = 0.7;

export type State = Awaited<ReturnType<typeof tableContents>>;

const ROLES = ["Admin", "Researcher", "Viewer"] as const;
const emailOf = (i: number) => `member${i}@trust.example.org`;

/** The previous manifest holds the first two thirds of `users`; the new one all of them, every organisation changed. */
function manifest(version: "previous" | "new", users: number): ManifestEntry[] {
  const size = version === "previous" ? Math.floor((users * 2) / 3) : users;
  return Array.from({ length: size }, (_, i) => ({
    email: emailOf(i),
    name: `Member ${i}`,
    organisation: `${version === "previous" ? "Old" : "New"} Trust ${i % 17}`,
    role: ROLES[i % 3]!,
  }));
}

export function sameState(a: State, b: State): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface StrikeBench {
  /** The new manifest's entries. */
  entries: ManifestEntry[];
  /** The environment of a run with the new manifest (sentinel secrets) on `databaseUrl`. */
  env(databaseUrl: string): Record<string, string>;
  previous: State;
  expected: State;
  /** How long the reference run's transaction stayed open, as the server saw it: the window the strikes aim at. */
  transactionMs: number;
  /** A new database holding the previous state, owned by the sentinel role; its URL. */
  cloneOfPrevious(): Promise<string>;
  /**
   * SIGKILLs `run` at a random moment of its transaction on `databaseUrl`, once
   * the server shows it open; whether the kill found it still running, and its output.
   */
  strike(run: Killable, databaseUrl: string): Promise<{ killed: boolean; result: CommandResult }>;
  /** What `databaseUrl` holds: the whole previous state, the whole new one, or a mix. */
  stateOf(databaseUrl: string): Promise<"previous" | "new" | "mix">;
  stop(): Promise<void>;
}

/**
 * The previous state (the previous manifest seeded directly into a migrated
 * database, kept as a template), and the new one from an undisturbed run of
 * `start` on a clone of it, timed.
 */
export async function prepareStrikes(
  users: number,
  start: (databaseUrl: string, env: Record<string, string>) => Killable,
  label: string,
): Promise<StrikeBench> {
  const pool: PreloadedPool = { id: "local_crash", users: Array.from({ length: users }, (_, i) => ({ email: emailOf(i) })) };
  const cognito: LocalCognito = await startCognito(() => {}, [pool]);
  try {
    const [previousManifest, newManifest] = await Promise.all([
      writeManifest(manifest("previous", users)),
      writeManifest(manifest("new", users)),
    ]);
    const env = (databaseUrl: string) => ({
      ...sentinelEnvironment(databaseUrl, pool.id, newManifest),
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
      // The emulator on loopback can take far more than the production default.
      SEED_COGNITO_RPS: "1000",
    });

    // The previous state: the previous manifest, seeded with nothing between the seed and PostgreSQL (a template takes no other connection).
    const base = await migratedAppDatabase();
    const template = new URL(base).pathname.slice(1);
    const first = await prisma(["db", "seed"], { ...env(base), SEED_USERS_FILE: previousManifest });
    expect(first.code, output(first)).toBe(0);
    const previous = await tableContents(base);

    const cloneOfPrevious = async () => {
      const name = `crash_${randomBytes(6).toString("hex")}`;
      await query(stack().postgresAdminUrl, `CREATE DATABASE "${name}" TEMPLATE "${template}" OWNER "${stack().appUser}"`);
      return appUrl(name);
    };

    // The new state, and how long its transaction stays open, from an undisturbed run.
    const reference = await cloneOfPrevious();
    const run = start(reference, env(reference));
    const pid = await openTransaction(new URL(reference).pathname.slice(1), run.exited);
    const opened = performance.now();
    if (pid === undefined) throw new Error(`the reference run's transaction was never seen open:\n${output(await run.result())}`);
    await transactionClosed(pid);
    const transactionMs = performance.now() - opened;
    const done = await run.result();
    expect(done.code, output(done)).toBe(0);
    const expected = await tableContents(reference);
    expect(expected.profiles).toHaveLength(users);
    expect(previous.profiles).toHaveLength(Math.floor((users * 2) / 3));
    console.log(`${label}: ${users} users; the transaction applying the new manifest stays open ${Math.round(transactionMs)} ms`);
    return {
      entries: manifest("new", users),
      env,
      previous,
      expected,
      transactionMs,
      cloneOfPrevious,
      async strike(strikeRun, databaseUrl) {
        await openTransaction(new URL(databaseUrl).pathname.slice(1), strikeRun.exited);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * transactionMs * STRIKE_WINDOW));
        const killed = strikeRun.kill();
        await strikeRun.exited;
        return { killed, result: await strikeRun.result() };
      },
      async stateOf(databaseUrl) {
        const state = await tableContents(databaseUrl);
        return sameState(state, previous) ? "previous" : sameState(state, expected) ? "new" : "mix";
      },
      stop: () => cognito.stop(),
    };
  } catch (error) {
    await cognito.stop();
    throw error;
  }
}
