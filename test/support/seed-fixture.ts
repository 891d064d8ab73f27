/**
 * The seed's fixtures, in one vocabulary for the unit, integration and
 * reliability tests: a manifest entry, a manifest file, a migrated database,
 * and a scenario of all three with a user pool.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import type { FixtureUser } from "../../dev/cognito.js";
import { createDatabase } from "../../dev/local-stack.js";
import type { ManifestEntry } from "../../src/manifest/index.js";
import { listMigrationDirectories } from "../../src/migrations/shipped.js";
import type { RoleName } from "../../src/shared/roles.js";
import { prisma } from "./commands.js";
import { createMigratedDatabase } from "./postgres.js";
import { scratchProject } from "./scratch-project.js";
import { environmentFor, freshPool, stack } from "./stack.js";

/** A manifest entry for `email`, named after it. */
export function entry(email: string, role: RoleName = "Researcher"): ManifestEntry {
  const local = email.split("@")[0]!;
  return { email, name: `Name of ${local}`, organisation: `Org of ${local}`, role };
}

/** A manifest file of `entries`, in a directory of its own. */
export async function writeManifest(entries: readonly ManifestEntry[], fileName = "users.json"): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), "flip-db-manifest-"));
  const file = path.join(directory, fileName);
  // Compact: the bench writes manifests of 10,000 users.
  await writeFile(file, JSON.stringify({ users: entries }));
  return file;
}

/** Template databases by the last migration they hold ("" for all of them), made once per process. */
const templates = new Map<string, Promise<string>>();

/** A new database cloned from the template `key`, which `make` creates (migrated) the first time. */
async function cloneOfTemplate(key: string, make: (name: string) => Promise<string>): Promise<string> {
  if (!templates.has(key)) {
    const name = `template_${randomBytes(6).toString("hex")}`;
    templates.set(
      key,
      make(name).then(() => name),
    );
  }
  return createDatabase(stack().postgresAdminUrl, `seed_${randomBytes(6).toString("hex")}`, await templates.get(key));
}

/**
 * A new database with the migrations applied. The first call runs the real
 * `npx prisma migrate deploy` on a template; later ones clone it, which is
 * what deploying the same migrations again would produce, in a fraction of the time.
 */
export function migratedDatabase(): Promise<string> {
  return cloneOfTemplate("", (name) => createMigratedDatabase(stack().postgresAdminUrl, name));
}

/**
 * A new database migrated through `last` and no further (the real `npx prisma
 * migrate deploy` over a copy of the migrations without the later ones): the
 * schema a past release left, e.g. `20261128063814_init` for 0.1.0's.
 */
export function databaseMigratedThrough(last: string): Promise<string> {
  return cloneOfTemplate(last, async (name) => {
    const project = await scratchProject();
    try {
      const later = (await listMigrationDirectories(project.migrationsPath)).filter((migration) => migration > last);
      for (const migration of later) await rm(path.join(project.migrationsPath, migration), { recursive: true });
      const url = await createDatabase(stack().postgresAdminUrl, name);
      const deployed = await prisma(["migrate", "deploy", "--config", project.configPath], { DATABASE_URL: url });
      if (deployed.code !== 0) throw new Error(`migrate deploy through ${last} failed:\n${deployed.stdout}${deployed.stderr}`);
      return url;
    } finally {
      await project.remove();
    }
  });
}

export interface Scenario {
  databaseUrl: string;
  userPoolId: string;
  /** Cognito subs of the pool's users, in fixture order. */
  subs: string[];
  manifestPath: string;
  env: Record<string, string>;
}

/** A database (migrated, unless `database` makes another), a user pool holding `poolUsers`, and a manifest of `entries`. */
export async function scenario(
  poolUsers: readonly FixtureUser[],
  entries: readonly ManifestEntry[],
  database: () => Promise<string> = migratedDatabase,
): Promise<Scenario> {
  const [databaseUrl, pool, manifestPath] = await Promise.all([database(), freshPool(poolUsers), writeManifest(entries)]);
  return {
    databaseUrl,
    userPoolId: pool.userPoolId,
    subs: pool.subs,
    manifestPath,
    env: { ...environmentFor(databaseUrl, pool.userPoolId), SEED_USERS_FILE: manifestPath },
  };
}
