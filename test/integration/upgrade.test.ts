/**
 * 0.1.0 → this release: the 0.1.0 release (from the repository's own history,
 * test/support/past-release.ts) migrated and seeded a database and an admin
 * changed roles in it (test/support/upgrade-scenario.ts); this release's
 * `flip-db-deploy` upgrades it in place, and the code can be rolled back
 * without the schema. Every boot is the real `node bin/deploy.js` of its
 * release. Old and new replicas booting side by side, the rollout window and
 * the documented schema undo (minutes long) are in test/reliability/rollout.test.ts.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import type { SeedReport } from "../../src/seed/report.js";
import { logLines, output } from "../support/commands.js";
import { rowVersions } from "../support/database-state.js";
import { RELEASE_0_1_0 } from "../support/past-release.js";
import { query } from "../support/postgres.js";
import { environmentFor, freshDatabase } from "../support/stack.js";
import {
  INSTALL_TIMEOUT_MS,
  platformOn010,
  SEEDED_BY_0_1_0,
  TRUST_ADMIN,
  TRUST_SCOPED_ROLES_MIGRATION,
  USERS,
  type Platform,
} from "../support/upgrade-scenario.js";

let platform: Platform;
beforeAll(async () => {
  platform = await platformOn010(
    () => freshDatabase("platform"),
    (databaseUrl, userPoolId, manifestPath) => ({ ...environmentFor(databaseUrl, userPoolId), SEED_USERS_FILE: manifestPath }),
  );
}, INSTALL_TIMEOUT_MS);

/** Every row of the four tables, with what an upgrade must keep; row versions where no write may touch a row. */
async function contents(databaseUrl: string) {
  return {
    roles: await query(databaseUrl, "SELECT id, name, description, created_at, updated_at, xmin::text FROM roles ORDER BY id"),
    profiles: await query(
      databaseUrl,
      "SELECT user_id, name, organisation, created_at, updated_at, xmin::text FROM user_profile ORDER BY 1",
    ),
    userRoles: await query(databaseUrl, "SELECT user_id, role_id, created_at FROM user_role ORDER BY user_id, role_id"),
    seedGrants: await query(databaseUrl, "SELECT user_id, role_id, granted_at, xmin::text FROM seed_grant ORDER BY user_id"),
  };
}

describe("upgrading a 0.1.0 database", () => {
  it("this release's flip-db-deploy migrates it in place: every row kept, every former grant global, nothing granted again", async () => {
    const databaseUrl = await platform.database();
    const before = await contents(databaseUrl);
    expect(before.userRoles).toHaveLength(3); // ben's two and cara's; ada's was revoked

    const report = path.join(await mkdtemp(path.join(tmpdir(), "flip-db-report-")), "report.json");
    const result = await platform.bootNew(await platform.environment(databaseUrl), ["--report", report]);
    expect(result.code, output(result)).toBe(0);
    expect(logLines(result).map((line) => line.msg)).toContain(
      `running prisma migrate deploy (${TRUST_SCOPED_ROLES_MIGRATION} is pending)`,
    );

    const after = await contents(databaseUrl);
    // Profiles and bootstrap records: not one row written (the same row versions).
    expect(after.profiles).toEqual(before.profiles);
    expect(after.seedGrants).toEqual(before.seedGrants);
    // The three roles untouched; Trust Admin added.
    expect(after.roles.filter((role) => role.id !== TRUST_ADMIN.id)).toEqual(before.roles);
    expect(after.roles.find((role) => role.id === TRUST_ADMIN.id)).toMatchObject({
      name: TRUST_ADMIN.name,
      description: TRUST_ADMIN.description,
    });
    // Every grant as it was, its creation time too, each now a global row with an id of its own.
    expect(after.userRoles).toEqual(before.userRoles);
    const rows = await query<{ id: string | null; trust_id: string | null }>(databaseUrl, "SELECT id, trust_id FROM user_role");
    expect(rows.every((row) => row.id !== null && row.trust_id === null)).toBe(true);
    expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
    // Nothing granted again: ada's revocation stands.
    expect(await platform.globalRoles(databaseUrl, USERS.ada.email)).toEqual([]);

    const written = JSON.parse(await readFile(report, "utf8")) as SeedReport;
    expect(written.written).toEqual({ roles: 1, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 0 });
    expect(written.users.map(({ grant, trustScopedRoles }) => ({ grant, trustScopedRoles }))).toEqual(
      SEEDED_BY_0_1_0.map(() => ({ grant: "keep", trustScopedRoles: 0 })),
    );
    const history = await query(
      databaseUrl,
      "SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY 1",
    );
    expect(history).toEqual([
      { migration_name: RELEASE_0_1_0.lastMigration, finished: true },
      { migration_name: TRUST_SCOPED_ROLES_MIGRATION, finished: true },
    ]);
  });

  it("a migration that cannot apply (user_role has a trust_id of the platform's own) fails whole: 0.1.0's schema and rows stay", async () => {
    const databaseUrl = await platform.database();
    await query(databaseUrl, "ALTER TABLE user_role ADD COLUMN trust_id text");
    const table = async () => ({
      columns: await query(databaseUrl, "SELECT column_name FROM information_schema.columns WHERE table_name = 'user_role' ORDER BY 1"),
      rows: await query(databaseUrl, "SELECT * FROM user_role ORDER BY user_id, role_id"),
      keys: await query(
        databaseUrl,
        "SELECT pg_get_constraintdef(oid) AS key FROM pg_constraint WHERE conrelid = 'user_role'::regclass ORDER BY 1",
      ),
      indexes: await query(databaseUrl, "SELECT indexname FROM pg_indexes WHERE tablename = 'user_role' ORDER BY 1"),
    });
    const before = await table();
    expect(before.keys).toContainEqual({ key: "PRIMARY KEY (user_id, role_id)" });

    const result = await platform.bootNew(await platform.environment(databaseUrl));
    expect(result.code).toBe(1);
    expect(output(result)).toContain('column "trust_id" of relation "user_role" already exists');
    expect(
      logLines(result)
        .filter((line) => line.level === "fatal")
        .map((line) => line.msg),
    ).toEqual(["prisma migrate deploy failed (exit 1); the seed was not run"]);
    // Nothing of the migration is left: no id column, the old primary key, no new index, every row as it was.
    expect(await table()).toEqual(before);
    const failed = await query(databaseUrl, "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NULL");
    expect(failed).toEqual([{ migration_name: TRUST_SCOPED_ROLES_MIGRATION }]);
  });
});

describe("rolling back the code, not the schema", () => {
  it("after the upgrade, 0.1.0 boots alone (and onboards a user), then this release again: both exit 0, nothing lost or duplicated", async () => {
    const databaseUrl = await platform.upgradedDatabase();
    // eve joins the manifest while 0.1.0 is back: its seed inserts her rows into the new schema.
    const env = await platform.environment(databaseUrl, [...SEEDED_BY_0_1_0, USERS.eve]);
    const upgraded = await rowVersions(databaseUrl);

    // 0.1.0 does not ship the second migration: its flip-db-deploy hands the history to Prisma's CLI, which passes over it.
    const old = await platform.bootOld(env);
    expect(old.code, output(old)).toBe(0);
    expect(logLines(old).map((line) => line.msg)).toContain(
      `running prisma migrate deploy (${TRUST_SCOPED_ROLES_MIGRATION} is applied but not shipped)`,
    );
    expect(old.stdout).toContain("No pending migrations to apply.");
    // Every row as it was, and eve's three: a profile, a global role (its id the database's default), a bootstrap record.
    const rolledBack = await rowVersions(databaseUrl);
    expect(rolledBack).toEqual(expect.arrayContaining(upgraded));
    expect(rolledBack).toHaveLength(upgraded.length + 3);
    const eve = await query(databaseUrl, "SELECT id IS NOT NULL AS has_id, trust_id FROM user_role WHERE user_id = $1", [
      platform.subs[USERS.eve.email],
    ]);
    expect(eve).toEqual([{ has_id: true, trust_id: null }]);
    expect(await platform.globalRoles(databaseUrl, USERS.eve.email)).toEqual([USERS.eve.role]);

    const again = await platform.bootNew(env);
    expect(again.code, output(again)).toBe(0);
    expect(logLines(again).map((line) => line.msg)).toContain("all 2 migrations are applied: nothing for prisma migrate deploy to do");
    expect(await rowVersions(databaseUrl)).toEqual(rolledBack);
  });
});
