/**
 * Suite 2: crash consistency. The seed is killed with SIGKILL at random
 * moments of its apply phase, and separately its database backend is
 * terminated mid-transaction. Afterwards the database must hold either the
 * whole previous state or the whole new one, never a mix, and the next run
 * must reach the expected state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { output } from "../support/commands.js";
import { tableContents } from "../support/database-state.js";
import { query } from "../support/postgres.js";
import { stack } from "../support/stack.js";
import { count, mustBeZero, scale } from "./support/figures.js";
import { checkOutput, seed } from "./support/runs.js";
import { openTransaction, prepareStrikes, sameState, startKillable, STRIKE_WINDOW, type StrikeBench } from "./support/strikes.js";

/** Large enough that applying it takes a while. */
const USERS = scale(6_000, 3_000);
const KILLS = scale(10, 5);
const TERMINATIONS = scale(10, 3);

/** Terminates the seed's backend, if it was found; whether PostgreSQL says it did. */
async function terminate(backend: number | undefined): Promise<boolean> {
  if (backend === undefined) return false;
  const [{ done } = { done: false }] = await query<{ done: boolean }>(stack().postgresAdminUrl, "SELECT pg_terminate_backend($1) AS done", [
    backend,
  ]);
  return done;
}

describe("crash consistency", () => {
  let bench: StrikeBench;
  /** `npx prisma db seed` with the new manifest, killable. */
  const startSeed = (databaseUrl: string) => startKillable("npx", ["prisma", "db", "seed"], bench.env(databaseUrl));

  beforeAll(async () => {
    bench = await prepareStrikes(USERS, (_databaseUrl, env) => startKillable("npx", ["prisma", "db", "seed"], env), "crash suite");
  });

  afterAll(() => bench?.stop());

  it(
    `SIGKILL at ${KILLS} random moments of the apply phase: whole previous state or whole new one, then convergence`,
    { timeout: scale(1_800_000, 300_000) },
    async (context) => {
      let survived = 0;
      let mixes = 0;
      let beforeCommit = 0;
      let afterExit = 0;
      for (let i = 0; i < KILLS; i++) {
        const databaseUrl = await bench.cloneOfPrevious();
        const { killed, result } = await bench.strike(startSeed(databaseUrl), databaseUrl);
        if (!killed) afterExit += 1;
        checkOutput(
          context,
          result,
          bench.entries.map((e) => e.email),
        );

        const left = await bench.stateOf(databaseUrl);
        const wasPrevious = left === "previous";
        const wasNew = left === "new";
        if (wasPrevious) beforeCommit += 1;
        if (left === "mix") mixes += 1;

        const next = await seed(context, { env: bench.env(databaseUrl), entries: bench.entries });
        const converged = next.code === 0 && sameState(await tableContents(databaseUrl), bench.expected);
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
        const databaseUrl = await bench.cloneOfPrevious();
        const database = new URL(databaseUrl).pathname.slice(1);
        const run = startSeed(databaseUrl);
        // Wait for the seed's transaction to open, then strike somewhere inside it.
        const backend = await openTransaction(database, run.exited);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * bench.transactionMs * STRIKE_WINDOW));
        if (await terminate(backend)) terminated += 1;
        const exit = await run.exited;
        const result = await run.result();
        checkOutput(
          context,
          result,
          bench.entries.map((e) => e.email),
        );

        const state = await tableContents(databaseUrl);
        const wasPrevious = sameState(state, bench.previous);
        const wasNew = sameState(state, bench.expected);
        if (!wasPrevious && !wasNew) mixes += 1;
        // Killed inside the transaction: the seed says so and fails; after the commit it had already succeeded.
        const honest = wasPrevious ? exit.code === 1 && /connection to the database .* was lost/.test(result.stdout) : exit.code === 0;

        const next = await seed(context, { env: bench.env(databaseUrl), entries: bench.entries });
        const converged = next.code === 0 && sameState(await tableContents(databaseUrl), bench.expected);
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
