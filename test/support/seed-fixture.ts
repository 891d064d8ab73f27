import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import type { FixtureUser } from "../../src/dev/cognito.js";
import { runCommand, type CommandResult } from "./run-command.js";
import type { ManifestEntry } from "../../src/manifest/index.js";
import type { RoleName } from "../../src/shared/roles.js";
import { createDatabase } from "../../src/dev/local-stack.js";
import { environmentFor, freshPool, prisma, query, ROOT, stack } from "./stack.js";

/** A manifest entry for `email`, named after it. */
export function entry(email: string, role: RoleName = "Researcher"): ManifestEntry {
  const local = email.split("@")[0]!;
  return { email, name: `Name of ${local}`, organisation: `Org of ${local}`, role };
}

export async function writeManifest(entries: readonly ManifestEntry[], fileName = "users.json"): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), "flip-db-manifest-"));
  const file = path.join(directory, fileName);
  await writeFile(file, JSON.stringify({ users: entries }, null, 2));
  return file;
}

let template: Promise<string> | undefined;

/**
 * A new database with the migrations applied. The first call runs the real
 * `npx prisma migrate deploy` on a template; later ones clone it, which is
 * what deploying the same migrations again would produce, in a fraction of the time.
 */
export async function migratedDatabase(): Promise<string> {
  template ??= (async () => {
    const url = await createDatabase(stack().postgresAdminUrl, `template_${randomBytes(6).toString("hex")}`);
    const deployed = await prisma(["migrate", "deploy"], environmentFor(url));
    if (deployed.code !== 0) throw new Error(`migrate deploy failed: ${deployed.stdout}${deployed.stderr}`);
    return new URL(url).pathname.slice(1);
  })();
  const templateName = await template;
  const name = `seed_${randomBytes(6).toString("hex")}`;
  await query(stack().postgresAdminUrl, `CREATE DATABASE "${name}" TEMPLATE "${templateName}"`);
  const url = new URL(stack().postgresAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface Scenario {
  databaseUrl: string;
  userPoolId: string;
  /** Cognito subs of the pool's users, in fixture order. */
  subs: string[];
  manifestPath: string;
  env: Record<string, string>;
}

/** A migrated database, a user pool holding `poolUsers`, and a manifest of `entries`. */
export async function scenario(poolUsers: readonly FixtureUser[], entries: readonly ManifestEntry[]): Promise<Scenario> {
  const [databaseUrl, pool, manifestPath] = await Promise.all([migratedDatabase(), freshPool(poolUsers), writeManifest(entries)]);
  return {
    databaseUrl,
    userPoolId: pool.userPoolId,
    subs: pool.subs,
    manifestPath,
    env: { ...environmentFor(databaseUrl, pool.userPoolId), SEED_USERS_FILE: manifestPath },
  };
}

/** `npx prisma db seed -- <args>`, as a boot runs it. */
export function seedThroughPrisma(env: Record<string, string | undefined>, args: readonly string[] = []): Promise<CommandResult> {
  return prisma(["db", "seed", ...(args.length > 0 ? ["--", ...args] : [])], env);
}

/** The seed entry run directly, which shows its own exit code (Prisma reports every failure as 1). */
export function seedDirectly(env: Record<string, string | undefined>, args: readonly string[] = [], timeoutMs = 120_000): Promise<CommandResult> {
  return runCommand("npx", ["tsx", "prisma/seed.ts", ...args], { cwd: ROOT, env, timeoutMs });
}

export interface Grant {
  user_id: string;
  role: string;
}

export async function grants(databaseUrl: string): Promise<Grant[]> {
  return query<Grant & Record<string, unknown>>(
    databaseUrl,
    "SELECT ur.user_id, r.name AS role FROM user_role ur JOIN roles r ON r.id = ur.role_id ORDER BY ur.user_id, r.name",
  );
}

export async function profiles(databaseUrl: string) {
  return query<{ user_id: string; name: string; organisation: string }>(
    databaseUrl,
    "SELECT user_id, name, organisation FROM user_profile ORDER BY user_id",
  );
}

export async function seedGrants(databaseUrl: string) {
  return query<{ user_id: string; role: string }>(
    databaseUrl,
    "SELECT sg.user_id, r.name AS role FROM seed_grant sg JOIN roles r ON r.id = sg.role_id ORDER BY sg.user_id",
  );
}

/**
 * Every row of the seed's tables with its `xmin`, the id of the transaction
 * that last wrote it: equal snapshots mean not one row was inserted, updated
 * or deleted in between.
 */
export async function rowVersions(databaseUrl: string): Promise<string[]> {
  const rows = await query<{ row: string }>(
    databaseUrl,
    `SELECT 'roles:' || id || ':' || xmin AS row FROM roles
     UNION ALL SELECT 'user_profile:' || user_id || ':' || xmin FROM user_profile
     UNION ALL SELECT 'user_role:' || user_id || '/' || role_id || ':' || xmin FROM user_role
     UNION ALL SELECT 'seed_grant:' || user_id || ':' || xmin FROM seed_grant
     ORDER BY 1`,
  );
  return rows.map((row) => row.row);
}

/** How many rows the seed's tables hold in all. */
export async function rowCount(databaseUrl: string): Promise<number> {
  return (await rowVersions(databaseUrl)).length;
}

/** The JSON log lines a seed run printed (stdout is not a TTY in tests). */
export function logLines(result: CommandResult): Array<{ level: string; msg: string; [key: string]: unknown }> {
  return result.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: string; msg: string });
}
