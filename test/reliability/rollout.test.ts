/**
 * A rollout of this release over a platform on 0.1.0: old and new replicas
 * booting side by side against the upgraded database; the window in which a
 * 0.1.0 replica still judges "has a role" by every `user_role` row,
 * trust-scoped ones included; and the undo of the schema change that
 * docs/upgrading.md gives an operator. The platform and its 0.1.0
 * database come from test/support/upgrade-scenario.ts; every boot is the real
 * `node bin/deploy.js` of its release, as the database's non-superuser owner,
 * with sentinel secrets that no output may show.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { beforeAll, describe, expect, it, type TestContext } from "vitest";

import type { SeedReport } from "../../src/seed/report.js";
import { logLines, output, prisma, ROOT } from "../support/commands.js";
import { rowVersions, seedGrants, trustScopedRoles } from "../support/database-state.js";
import { RELEASE_0_1_0 } from "../support/past-release.js";
import { query } from "../support/postgres.js";
import type { CommandResult } from "../support/run-command.js";
import {
  INSTALL_TIMEOUT_MS,
  platformOn010,
  SEEDED_BY_0_1_0,
  TRUST_SCOPED_ROLES_MIGRATION,
  USERS,
  type Platform,
} from "../support/upgrade-scenario.js";
import { count, mustBeZero, scale } from "./support/figures.js";
import { checkOutput, emptyAppDatabase, sentinelEnvironment } from "./support/runs.js";

const ROUNDS = scale(5, 2);
const EVERY_EMAIL = Object.values(USERS).map((user) => user.email);

let platform: Platform;
beforeAll(async () => {
  platform = await platformOn010(() => emptyAppDatabase("platform"), sentinelEnvironment);
}, INSTALL_TIMEOUT_MS);

/** A boot of `release`, its output checked for secrets and full emails. */
async function checked(context: TestContext, boot: Promise<CommandResult>, env: Record<string, string>): Promise<CommandResult> {
  const result = await boot;
  checkOutput(context, result, EVERY_EMAIL, env);
  return result;
}

describe("a rolling deploy: 0.1.0 and this release booting side by side", () => {
  it(
    `two 0.1.0 and two new boots at once, ${ROUNDS} rounds: all exit 0, one global row of the manifest's role each, later rounds write nothing`,
    { timeout: scale(1_800_000, 600_000) },
    async (context) => {
      const databaseUrl = await platform.upgradedDatabase();
      // eve and fay are onboarded by this rollout: whichever replica takes the seed's lock first grants them.
      const manifest = [...SEEDED_BY_0_1_0, USERS.eve, USERS.fay];
      const env = await platform.environment(databaseUrl, manifest);
      const replicas = () => [platform.bootOld(env), platform.bootNew(env), platform.bootOld(env), platform.bootNew(env)];

      let settled: string[] | undefined;
      let held = 0;
      let unsettled = 0;
      for (let round = 1; round <= ROUNDS; round++) {
        const results = await Promise.all(replicas().map((boot) => checked(context, boot, env)));
        for (const result of results) expect(result.code, output(result)).toBe(0);
        held += results.filter((result) => result.code === 0).length;

        for (const user of manifest) {
          const roles = await platform.globalRoles(databaseUrl, user.email);
          // ada's role was revoked by her admin before the upgrade: no boot, old or new, grants it again.
          expect(
            roles.filter((role) => role === user.role),
            user.email,
          ).toHaveLength(user === USERS.ada ? 0 : 1);
        }
        expect(await platform.globalRoles(databaseUrl, USERS.ben.email)).toEqual(["Researcher", "Viewer"]);
        expect((await seedGrants(databaseUrl)).map((row) => row.user_id).sort()).toEqual(
          manifest.map((user) => platform.subs[user.email]).sort(),
        );
        const versions = await rowVersions(databaseUrl);
        if (settled !== undefined && JSON.stringify(versions) !== JSON.stringify(settled)) unsettled += 1;
        expect(versions, `round ${round} wrote rows`).toEqual(settled ?? versions);
        settled = versions;
      }
      count(context, `rolling deploy boots (2 x 0.1.0 + 2 x new, ${ROUNDS} rounds)`, 4 * ROUNDS, held);
      mustBeZero(context, "rows lost or half-written", unsettled);
    },
  );
});

describe("the rollout window: a 0.1.0 replica and a user whose only role is trust-scoped", () => {
  const tess = USERS.tess;
  const manifest = [...SEEDED_BY_0_1_0, tess];
  /** An upgraded database in which the platform has made tess a Trust Admin, before the seed knows her. */
  async function tessMadeTrustAdmin() {
    const databaseUrl = await platform.upgradedDatabase();
    await platform.makeTrustAdmin(databaseUrl, tess.email);
    return { databaseUrl, env: await platform.environment(databaseUrl, manifest), trustRows: await trustScopedRoles(databaseUrl) };
  }
  const tessWarnings = (result: CommandResult) =>
    logLines(result).filter((line) => line.level === "warn" && line.entry === 3 && line.warning === "trust_only_bootstrap");

  it("0.1.0 boots first and records a bootstrap, granting nothing; this release keeps it, warns once a boot, and grants once the record is deleted", async (context) => {
    const { databaseUrl, env, trustRows } = await tessMadeTrustAdmin();

    // 0.1.0 counts the trust-scoped row as "has a role": it records the bootstrap (an adoption) and grants nothing.
    expect((await checked(context, platform.bootOld(env), env)).code).toBe(0);
    expect(await platform.globalRoles(databaseUrl, tess.email)).toEqual([]);
    expect((await seedGrants(databaseUrl)).filter((row) => row.user_id === platform.subs[tess.email])).toEqual([
      { user_id: platform.subs[tess.email], role: "Researcher" },
    ]);

    // This release cannot tell that record from one whose global role an admin removed: it keeps it, and says so, each boot.
    const report = path.join(await mkdtemp(path.join(tmpdir(), "flip-db-report-")), "report.json");
    const first = await checked(context, platform.bootNew(env, ["--report", report]), env);
    expect(first.code, output(first)).toBe(0);
    expect(tessWarnings(first)).toHaveLength(1);
    expect(tessWarnings(first)[0]?.msg).toContain("delete the user's seed_grant row and the next boot grants it");
    const written = JSON.parse(await readFile(report, "utf8")) as SeedReport;
    expect(written.users[3]).toMatchObject({ grant: "keep", trustScopedRoles: 1, warning: "trust_only_bootstrap" });
    expect(await platform.globalRoles(databaseUrl, tess.email)).toEqual([]);
    expect(tessWarnings(await checked(context, platform.bootNew(env), env))).toHaveLength(1);

    // The operator's way out: delete tess's bootstrap record; the next boot grants the manifest's role, once.
    await platform.deleteSeedGrant(databaseUrl, tess.email);
    const granted = await checked(context, platform.bootNew(env), env);
    expect(granted.code, output(granted)).toBe(0);
    expect(tessWarnings(granted)).toEqual([]);
    expect(await platform.globalRoles(databaseUrl, tess.email)).toEqual(["Researcher"]);
    // The trust-scoped row: never written, whoever booted.
    expect(await trustScopedRoles(databaseUrl)).toEqual(trustRows);
  });

  it("this release boots first: it grants the global role; 0.1.0 then leaves everything as it is", async (context) => {
    const { databaseUrl, env, trustRows } = await tessMadeTrustAdmin();

    expect((await checked(context, platform.bootNew(env), env)).code).toBe(0);
    expect(await platform.globalRoles(databaseUrl, tess.email)).toEqual(["Researcher"]);
    const settled = await rowVersions(databaseUrl);
    expect((await checked(context, platform.bootOld(env), env)).code).toBe(0);
    expect(await rowVersions(databaseUrl)).toEqual(settled);
    expect(await trustScopedRoles(databaseUrl)).toEqual(trustRows);
  });
});

/** The SQL block of docs/upgrading.md that undoes 0.2.0's schema change, as an operator would paste it. */
async function undoSql(): Promise<string> {
  const page = await readFile(path.join(ROOT, "docs", "upgrading.md"), "utf8");
  const block = /<!-- undo 0\.2\.0[^>]*-->\n```sql\n([\s\S]*?)```/.exec(page);
  if (!block) throw new Error("docs/upgrading.md has no undo block for 0.2.0");
  return block[1]!;
}

describe("undoing the schema change by hand (docs/upgrading.md)", () => {
  it("returns 0.1.0's exact schema, losing only the trust-scoped rows; 0.1.0 boots on it and 0.2.0 upgrades it again", async (context) => {
    const databaseUrl = await platform.upgradedDatabase();
    await platform.makeTrustAdmin(databaseUrl, USERS.ben.email);
    const globalRows = "SELECT user_id, role_id, created_at FROM user_role WHERE trust_id IS NULL ORDER BY user_id, role_id";
    const kept = await query(databaseUrl, globalRows);
    const others = async () => ({
      profiles: await query(databaseUrl, "SELECT * FROM user_profile ORDER BY user_id"),
      seedGrants: await query(databaseUrl, "SELECT * FROM seed_grant ORDER BY user_id"),
    });
    const before = await others();

    await query(databaseUrl, await undoSql());
    expect(await query(databaseUrl, "SELECT user_id, role_id, created_at FROM user_role ORDER BY user_id, role_id")).toEqual(kept);
    expect(await others()).toEqual(before);
    // 0.1.0's own Prisma CLI finds its schema exactly, and its history holds its one migration.
    const diff = await prisma(
      ["migrate", "diff", "--from-config-datasource", "--to-schema", "prisma/schema.prisma", "--exit-code"],
      { DATABASE_URL: databaseUrl },
      { cwd: platform.oldRelease },
    );
    expect(diff.code, output(diff)).toBe(0);
    expect(await query(databaseUrl, "SELECT migration_name FROM _prisma_migrations")).toEqual([
      { migration_name: RELEASE_0_1_0.lastMigration },
    ]);

    const env = await platform.environment(databaseUrl);
    const old = await checked(context, platform.bootOld(env), env);
    expect(old.code, output(old)).toBe(0);
    const again = await checked(context, platform.bootNew(env), env);
    expect(again.code, output(again)).toBe(0);
    expect(logLines(again).map((line) => line.msg)).toContain(`running prisma migrate deploy (${TRUST_SCOPED_ROLES_MIGRATION} is pending)`);
    expect(await query(databaseUrl, globalRows)).toEqual(kept);
  });
});
