/**
 * The seed's fixtures, in one vocabulary for the unit, integration and
 * reliability tests: a manifest entry, a manifest file, a migrated database,
 * and a scenario of all three with a user pool.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import type { FixtureUser } from "../../src/dev/cognito.js";
import { createDatabase } from "../../src/dev/local-stack.js";
import type { ManifestEntry } from "../../src/manifest/index.js";
import type { RoleName } from "../../src/shared/roles.js";
import { createMigratedDatabase } from "./postgres.js";
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

let template: Promise<string> | undefined;

/**
 * A new database with the migrations applied. The first call runs the real
 * `npx prisma migrate deploy` on a template; later ones clone it, which is
 * what deploying the same migrations again would produce, in a fraction of the time.
 */
export async function migratedDatabase(): Promise<string> {
  template ??= createMigratedDatabase(stack().postgresAdminUrl, `template_${randomBytes(6).toString("hex")}`).then((url) =>
    new URL(url).pathname.slice(1),
  );
  return createDatabase(stack().postgresAdminUrl, `seed_${randomBytes(6).toString("hex")}`, await template);
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
