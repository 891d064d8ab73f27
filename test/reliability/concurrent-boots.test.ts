/**
 * Suite 1: several replicas booting at once. Eight processes of
 * `npx prisma migrate deploy && npx prisma db seed` start together on an empty
 * database, round after round; every one must exit 0 and the end state must be
 * that of a single boot.
 */
import { describe, expect, it } from "vitest";

import type { FixtureUser } from "../../dev/cognito.js";
import { ROLES } from "../../src/shared/roles.js";
import { output } from "../support/commands.js";
import { tableContents } from "../support/database-state.js";
import { entry, writeManifest } from "../support/seed-fixture.js";
import { freshPool } from "../support/stack.js";
import { count, mustBeZero, scale } from "./support/figures.js";
import { boot, emptyAppDatabase, sentinelEnvironment } from "./support/runs.js";

const PROCESSES = 8;
const ROUNDS = scale(10, 1);

const ENTRIES = [
  entry("admin.one@example.org", "Admin"),
  entry("admin.two@example.org", "Admin"),
  entry("researcher@example.org", "Researcher"),
  entry("viewer@example.org", "Viewer"),
  entry("missing@example.org", "Viewer"),
  entry("unverified@example.org", "Admin"),
];
const POOL: FixtureUser[] = [
  { email: "admin.one@example.org" },
  { email: "admin.two@example.org" },
  { email: "researcher@example.org" },
  { email: "viewer@example.org" },
  { email: "unverified@example.org", emailVerified: false },
];

describe("concurrent boots", () => {
  it(
    `${PROCESSES} boots at once on an empty database, ${ROUNDS} rounds: all exit 0, the end state is a single boot's`,
    { timeout: scale(1_800_000, 300_000) },
    async (context) => {
      const pool = await freshPool(POOL);
      const manifestPath = await writeManifest(ENTRIES);

      // The reference: one boot alone.
      const reference = sentinelEnvironment(await emptyAppDatabase("single"), pool.userPoolId, manifestPath);
      const single = await boot(context, { env: reference, entries: ENTRIES });
      expect(single.code, output(single)).toBe(0);
      const expected = await tableContents(reference.DATABASE_URL!);
      // 4 resolved users (one missing, one unverified), a profile, a grant and a seed_grant each, and the 4 fixed roles.
      expect([expected.roles.length, expected.profiles.length, expected.userRoles.length, expected.seedGrants.length]).toEqual([
        ROLES.length,
        4,
        4,
        4,
      ]);

      let held = 0;
      let mismatches = 0;
      for (let round = 1; round <= ROUNDS; round++) {
        const env = sentinelEnvironment(await emptyAppDatabase("conc"), pool.userPoolId, manifestPath);
        const results = await Promise.all(Array.from({ length: PROCESSES }, () => boot(context, { env, entries: ENTRIES })));
        const exitedZero = results.filter((result) => result.code === 0).length;
        const state = await tableContents(env.DATABASE_URL!);
        const same = JSON.stringify(state) === JSON.stringify(expected);
        if (!same) mismatches += 1;
        if (same) held += exitedZero;
        for (const result of results) expect(result.code, output(result)).toBe(0);
        expect(state).toEqual(expected);
      }
      count(context, `concurrent boots (${PROCESSES} processes x ${ROUNDS} rounds)`, PROCESSES * ROUNDS, held);
      mustBeZero(context, "rows lost or half-written", mismatches);
    },
  );
});
