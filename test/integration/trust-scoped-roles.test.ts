/**
 * The bootstrap rule over trust-scoped roles, through the real
 * `npx prisma db seed`: only global rows (`trust_id` NULL) count as "has a
 * role"; the seed writes global rows only and never writes, changes or
 * deletes a trust-scoped one.
 */
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { describe, expect, it } from "vitest";

import type { SeedReport } from "../../src/index.js";
import { roleByName, ROLES } from "../../src/shared/roles.js";
import { logLines, output, seedThroughPrisma } from "../support/commands.js";
import { grants, rowVersions, seedGrants, trustScopedRoles } from "../support/database-state.js";
import { query } from "../support/postgres.js";
import { entry, scenario } from "../support/seed-fixture.js";

const TRUST_ADMIN = ROLES.find((role) => role.name === "Trust Admin")!;
const MANIFEST = [entry("tess@example.org", "Researcher"), entry("gil@example.org", "Admin")];
const POOL = MANIFEST.map(({ email }) => ({ email }));

describe("a manifest that changes a bootstrapped user's role", () => {
  it("Viewer to Admin: the database's role stands, and every boot warns once, naming the held role and the manifest's, in the report too", async () => {
    const viewer = [entry("vera@example.org", "Viewer")];
    const s = await scenario([{ email: "vera@example.org" }], viewer);
    const first = await seedThroughPrisma(s.env);
    expect(first.code, output(first)).toBe(0);
    const [vera] = s.subs as [string];
    expect(await grants(s.databaseUrl)).toEqual([{ user_id: vera, role: "Viewer" }]);

    await writeFile(s.manifestPath, JSON.stringify({ users: [entry("vera@example.org", "Admin")] }));
    const settled = await rowVersions(s.databaseUrl);
    const report = path.join(path.dirname(s.manifestPath), "report.json");
    for (const boot of [1, 2]) {
      const again = await seedThroughPrisma(s.env, ["--report", report]);
      expect(again.code, output(again)).toBe(0);
      const warnings = logLines(again).filter((line) => line.level === "warn" && line.entry === 0);
      expect(
        warnings.map((line) => line.msg),
        `boot ${boot}`,
      ).toEqual([
        "users[0] v***@example.org (Admin): profile unchanged; holds Viewer, not the manifest's Admin: the manifest's role is granted " +
          "once, at bootstrap, and an admin's change stands; to give the user Admin, grant it in the platform",
      ]);
      const written = JSON.parse(await readFile(report, "utf8")) as SeedReport;
      expect(written.users).toEqual([
        expect.objectContaining({ entry: 0, role: "Admin", grant: "keep", heldRoles: ["Viewer"], warning: "role_differs" }),
      ]);
    }
    expect(await grants(s.databaseUrl)).toEqual([{ user_id: vera, role: "Viewer" }]);
    expect(await rowVersions(s.databaseUrl)).toEqual(settled);
  });
});

describe("only global roles count as a role", () => {
  it("a user with only trust-scoped rows gets the global role once; one with a global row keeps it, adopted; trust-scoped rows are never written", async () => {
    const s = await scenario(POOL, MANIFEST);
    const [tess, gil] = s.subs as [string, string];
    // The roles, as an earlier boot left them; then the platform's own grants.
    for (const role of ROLES) {
      await query(s.databaseUrl, "INSERT INTO roles (id, name, description) VALUES ($1, $2, $3)", [role.id, role.name, role.description]);
    }
    const trustRow = (user: string) =>
      query(s.databaseUrl, "INSERT INTO user_role (user_id, role_id, trust_id) VALUES ($1, $2, $3)", [user, TRUST_ADMIN.id, randomUUID()]);
    await trustRow(tess);
    await trustRow(tess);
    await trustRow(gil);
    await query(s.databaseUrl, "INSERT INTO user_role (user_id, role_id) VALUES ($1, $2)", [gil, roleByName("Viewer").id]);
    const trustRows = await trustScopedRoles(s.databaseUrl);
    expect(trustRows).toHaveLength(3);

    const first = await seedThroughPrisma(s.env);
    expect(first.code, output(first)).toBe(0);
    const users = logLines(first).filter((line) => line.outcome === "resolved");
    expect(users.map(({ entry, grant, trustScopedRoles }) => ({ entry, grant, trustScopedRoles }))).toEqual([
      { entry: 0, grant: "grant", trustScopedRoles: 2 },
      { entry: 1, grant: "adopt", trustScopedRoles: 1 },
    ]);
    expect(users[0]?.msg).toBe("users[0] t***@example.org (Researcher): profile created, role granted; holds 2 trust-scoped roles");
    // gil holds Viewer, the manifest says Admin: adopted, and a warning naming both.
    expect(users[1]).toMatchObject({
      level: "warn",
      warning: "role_differs",
      heldRoles: ["Viewer"],
      msg:
        "users[1] g***@example.org (Admin): profile created; bootstrap recorded; holds Viewer, not the manifest's Admin: the manifest's " +
        "role is granted once, at bootstrap, and an admin's change stands; to give the user Admin, grant it in the platform; " +
        "holds 1 trust-scoped role",
    });
    // tess: the manifest's role, global, once; gil: the Viewer row he held, adopted, nothing granted.
    expect(await grants(s.databaseUrl)).toEqual(
      [
        { user_id: tess, role: "Researcher" },
        { user_id: gil, role: "Viewer" },
      ].sort((a, b) => a.user_id.localeCompare(b.user_id)),
    );
    expect(await seedGrants(s.databaseUrl)).toEqual(
      [
        { user_id: tess, role: "Researcher" },
        { user_id: gil, role: "Admin" },
      ].sort((a, b) => a.user_id.localeCompare(b.user_id)),
    );
    expect(await trustScopedRoles(s.databaseUrl)).toEqual(trustRows);

    // Again: nothing written, the trust-scoped rows' row versions unchanged.
    const settled = await rowVersions(s.databaseUrl);
    const second = await seedThroughPrisma(s.env);
    expect(second.code, output(second)).toBe(0);
    expect(await rowVersions(s.databaseUrl)).toEqual(settled);
    expect(await trustScopedRoles(s.databaseUrl)).toEqual(trustRows);
  });

  it("an admin's removal of a global role granted beside older trust-scoped roles stands, with the warning the seed cannot avoid", async () => {
    const s = await scenario(POOL.slice(0, 1), MANIFEST.slice(0, 1));
    const [tess] = s.subs as [string];
    expect((await seedThroughPrisma(s.env)).code).toBe(0);
    await query(s.databaseUrl, "DELETE FROM user_role WHERE user_id = $1", [tess]);
    // A trust-scoped row from before the bootstrap record: what a 0.1.0 adoption over trust-scoped roles also looks like.
    await query(
      s.databaseUrl,
      "INSERT INTO user_role (user_id, role_id, trust_id, created_at) VALUES ($1, $2, $3, now() - interval '1 day')",
      [tess, TRUST_ADMIN.id, randomUUID()],
    );
    const trustRows = await trustScopedRoles(s.databaseUrl);

    const again = await seedThroughPrisma(s.env);
    expect(again.code, output(again)).toBe(0);
    expect(await grants(s.databaseUrl)).toEqual([]);
    const warnings = logLines(again).filter((line) => line.level === "warn");
    expect(warnings.map(({ entry, grant, trustScopedRoles, warning }) => ({ entry, grant, trustScopedRoles, warning }))).toEqual([
      { entry: 0, grant: "keep", trustScopedRoles: 1, warning: "trust_only_bootstrap" },
    ]);
    expect(await trustScopedRoles(s.databaseUrl)).toEqual(trustRows);
  });
});
