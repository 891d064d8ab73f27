/**
 * The applier's calls against the real PostgreSQL: what the unit tests' mock
 * cannot show (conflicts, `updated_at`, the lock between two runs).
 */
import { randomUUID } from "node:crypto";

import { afterEach, describe, expect, it } from "vitest";

import { connectDatabase, type FlipDatabase } from "../../src/database/client.js";
import type { ManifestEntry } from "../../src/manifest/index.js";
import { applySeed } from "../../src/seed/apply.js";
import type { Resolution } from "../../src/seed/resolve/resolve.js";
import { ROLE_NAMES, ROLES } from "../../src/shared/roles.js";
import { rowVersions } from "../support/database-state.js";
import { query } from "../support/postgres.js";
import { migratedDatabase } from "../support/seed-fixture.js";

const OPTIONS = { dryRun: false, timeoutMs: 60_000 };

function resolved(sub: string, user: ManifestEntry): Resolution {
  return { user, lookup: { status: "resolved", sub } };
}

const clients: FlipDatabase[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.$disconnect();
});
function open(url: string): FlipDatabase {
  const client = connectDatabase(url);
  clients.push(client);
  return client;
}

describe("the applier against PostgreSQL", () => {
  it("a profile another tool creates after the state was read ends with the manifest's values", async () => {
    const url = await migratedDatabase();
    const [ada, bea] = [randomUUID(), randomUUID()];
    const db = open(url);
    // Another tool inserts Bea's profile (without the seed's lock) just before the seed's insert is sent.
    const racing = db.$extends({
      query: {
        userProfile: {
          async createMany({ args, query: next }) {
            await query(url, "INSERT INTO user_profile (user_id, name, organisation) VALUES ($1, 'Other', 'Other Trust')", [bea]);
            return next(args);
          },
        },
      },
    }) as unknown as FlipDatabase;
    const { written } = await applySeed(
      racing,
      [
        resolved(ada, { email: "ada@example.org", name: "Ada", organisation: "North Trust", role: "Admin" }),
        resolved(bea, { email: "bea@example.org", name: "Bea", organisation: "South Trust", role: "Viewer" }),
      ],
      OPTIONS,
    );
    expect(written.profilesCreated).toBe(2);
    expect(await query(url, "SELECT user_id, name, organisation FROM user_profile ORDER BY name")).toEqual([
      { user_id: ada, name: "Ada", organisation: "North Trust" },
      { user_id: bea, name: "Bea", organisation: "South Trust" },
    ]);
  });

  it("a profile another tool deletes after the state was read is created again with the manifest's values", async () => {
    const url = await migratedDatabase();
    const [ada, bea] = [randomUUID(), randomUUID()];
    const entries = [
      resolved(ada, { email: "ada@example.org", name: "Ada", organisation: "North Trust", role: "Admin" }),
      resolved(bea, { email: "bea@example.org", name: "Bea", organisation: "North Trust", role: "Viewer" }),
    ];
    const db = open(url);
    await applySeed(db, entries, OPTIONS);
    const renamed = entries.map((r) => ({ ...r, user: { ...r.user, organisation: "Merged Trust" } }));
    // Another tool deletes Bea's profile just before the seed's update is sent.
    const racing = db.$extends({
      query: {
        userProfile: {
          async updateMany({ args, query: next }) {
            await query(url, "DELETE FROM user_profile WHERE user_id = $1", [bea]);
            return next(args);
          },
        },
      },
    }) as unknown as FlipDatabase;
    expect((await applySeed(racing, renamed, OPTIONS)).written.profilesUpdated).toBe(2);
    expect(await query(url, "SELECT user_id, organisation FROM user_profile ORDER BY name")).toEqual([
      { user_id: ada, organisation: "Merged Trust" },
      { user_id: bea, organisation: "Merged Trust" },
    ]);
  });

  it("moves updated_at only for the row that changed, and a re-run touches nothing", async () => {
    const url = await migratedDatabase();
    const [ada, bea] = [randomUUID(), randomUUID()];
    const entries = [
      resolved(ada, { email: "ada@example.org", name: "Ada", organisation: "North Trust", role: "Admin" }),
      resolved(bea, { email: "bea@example.org", name: "Bea", organisation: "South Trust", role: "Viewer" }),
    ];
    const db = open(url);
    await applySeed(db, entries, OPTIONS);
    // An admin edits a role's description; the seed puts FLIP's back.
    await query(url, "UPDATE roles SET description = 'edited', updated_at = now() - interval '1 day' WHERE id = $1", [ROLES[2].id]);
    const before = await query<{ id: string; updated_at: Date }>(
      url,
      "SELECT user_id AS id, updated_at FROM user_profile UNION ALL SELECT id, updated_at FROM roles",
    );

    const moved = [{ ...entries[0]!, user: { ...entries[0]!.user, organisation: "East Trust" } }, entries[1]!];
    const { written } = await applySeed(db, moved, OPTIONS);
    expect(written).toEqual({ roles: 1, profilesCreated: 0, profilesUpdated: 1, userRoles: 0, seedGrants: 0 });
    const after = await query<{ id: string; updated_at: Date }>(
      url,
      "SELECT user_id AS id, updated_at FROM user_profile UNION ALL SELECT id, updated_at FROM roles",
    );
    const changed = after
      .filter((row) => row.updated_at.getTime() !== before.find((old) => old.id === row.id)?.updated_at.getTime())
      .map((row) => row.id);
    expect(changed.sort()).toEqual([ada, ROLES[2].id].sort());
    expect(await query(url, "SELECT description FROM roles WHERE id = $1", [ROLES[2].id])).toEqual([{ description: ROLES[2].description }]);

    const versions = await rowVersions(url);
    expect((await applySeed(db, moved, OPTIONS)).written).toEqual({
      roles: 0,
      profilesCreated: 0,
      profilesUpdated: 0,
      userRoles: 0,
      seedGrants: 0,
    });
    expect(await rowVersions(url)).toEqual(versions);
  });

  it("two runs at once take turns behind the lock: the second finds the first's rows and writes nothing", async () => {
    const url = await migratedDatabase();
    const entries = Array.from({ length: 50 }, (_, i) =>
      resolved(randomUUID(), { email: `u${i}@example.org`, name: `User ${i}`, organisation: "Trust", role: ROLE_NAMES[i % 3]! }),
    );
    const results = await Promise.all([applySeed(open(url), entries, OPTIONS), applySeed(open(url), entries, OPTIONS)]);
    const written = results
      .map((result) => result.written.profilesCreated + result.written.userRoles + result.written.seedGrants)
      .sort((a, b) => a - b);
    expect(written).toEqual([0, 150]);
    expect(await query(url, "SELECT count(*)::int AS n FROM user_role")).toEqual([{ n: 50 }]);
  });
});
