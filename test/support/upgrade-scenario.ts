/**
 * A platform on 0.1.0, for the upgrade tests: a user pool, and a database that
 * 0.1.0's own `flip-db-deploy` migrated and seeded, in which an admin then
 * revoked ada's role and gave ben a second one. Tests take clones of that
 * database (same owner, same credentials), so each starts from the same
 * 0.1.0 state without booting 0.1.0 again.
 */
import { randomBytes, randomUUID } from "node:crypto";

import type { ManifestEntry } from "../../src/manifest/index.js";
import { quoteIdentifier } from "../../src/shared/postgres/quote.js";
import { roleByName, ROLES } from "../../src/shared/roles.js";
import { bootPackage, output, ROOT } from "./commands.js";
import { grants } from "./database-state.js";
import { installedRelease, RELEASE_0_1_0 } from "./past-release.js";
import { query } from "./postgres.js";
import type { CommandResult } from "./run-command.js";
import { entry, writeManifest } from "./seed-fixture.js";
import { freshPool, stack } from "./stack.js";

/** The migration this release adds to 0.1.0's. */
export const TRUST_SCOPED_ROLES_MIGRATION = "20261204135100_trust_scoped_roles";
export const TRUST_ADMIN = ROLES.find((role) => role.name === "Trust Admin")!;
/** `npm ci` of the release takes about a minute here; a busy machine may take several. */
export const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** ada, ben and cara were seeded by 0.1.0; eve and fay are onboarded during the rollout; tess is a Trust Admin. */
export const USERS = {
  ada: entry("ada@example.org", "Admin"),
  ben: entry("ben@example.org", "Researcher"),
  cara: entry("cara@example.org", "Viewer"),
  eve: entry("eve@example.org", "Viewer"),
  fay: entry("fay@example.org", "Admin"),
  tess: entry("tess@example.org", "Researcher"),
};
export const SEEDED_BY_0_1_0 = [USERS.ada, USERS.ben, USERS.cara];

/** How a test's boots are given their environment: a database, the pool, a manifest. */
export type EnvironmentFor = (databaseUrl: string, userPoolId: string, manifestPath: string) => Record<string, string>;

export interface Platform {
  /** Where 0.1.0 is installed. */
  oldRelease: string;
  /** Cognito subs by email. */
  subs: Record<string, string>;
  /** A new clone of the 0.1.0 database, after its admin's changes. */
  database(): Promise<string>;
  /** The environment of a boot against `databaseUrl` with a manifest of `entries` (0.1.0's manifest by default). */
  environment(databaseUrl: string, entries?: readonly ManifestEntry[]): Promise<Record<string, string>>;
  /** One boot of 0.1.0's `node bin/deploy.js`. */
  bootOld(env: Record<string, string>, seedArgs?: string[]): Promise<CommandResult>;
  /** One boot of this release's `node bin/deploy.js`. */
  bootNew(env: Record<string, string>, seedArgs?: string[]): Promise<CommandResult>;
  /** A clone upgraded by this release's boot (which must succeed). */
  upgradedDatabase(): Promise<string>;
  /** The global roles `email` holds. */
  globalRoles(databaseUrl: string, email: string): Promise<string[]>;
  /** Makes `email` a Trust Admin at a new trust, as the platform does; returns that row's trust id. */
  makeTrustAdmin(databaseUrl: string, email: string): Promise<string>;
  /** Deletes `email`'s bootstrap record, as the upgrade notes tell an operator to. */
  deleteSeedGrant(databaseUrl: string, email: string): Promise<void>;
}

function succeeded(result: CommandResult, what: string): void {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}:\n${output(result)}`);
}

/** A copy of the database at `templateUrl`, owned by the same role, reached with the same credentials. */
async function cloneDatabase(templateUrl: string): Promise<string> {
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `upgrade_${randomBytes(6).toString("hex")}`;
  const [owner] = await query<{ owner: string }>(
    stack().postgresAdminUrl,
    "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1",
    [template],
  );
  await query(
    stack().postgresAdminUrl,
    `CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template)} OWNER ${quoteIdentifier(owner!.owner)}`,
  );
  const url = new URL(templateUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The 0.1.0 platform: 0.1.0 installed from the repository's history, a pool
 * of every user, and `emptyDatabase()` migrated and seeded by 0.1.0's boot,
 * then changed by its admin. Boots get their environment from `environmentFor`.
 */
export async function platformOn010(emptyDatabase: () => Promise<string>, environmentFor: EnvironmentFor): Promise<Platform> {
  const everyone = Object.values(USERS);
  const [oldRelease, pool, templateUrl] = await Promise.all([
    installedRelease(RELEASE_0_1_0),
    freshPool(everyone.map(({ email }) => ({ email }))),
    emptyDatabase(),
  ]);
  const subs = Object.fromEntries(everyone.map(({ email }, i) => [email, pool.subs[i]!]));
  const environment = async (databaseUrl: string, entries: readonly ManifestEntry[] = SEEDED_BY_0_1_0) =>
    environmentFor(databaseUrl, pool.userPoolId, await writeManifest(entries));
  const bootOld = (env: Record<string, string>, seedArgs: string[] = []) => bootPackage(oldRelease, env, seedArgs);
  const bootNew = (env: Record<string, string>, seedArgs: string[] = []) => bootPackage(ROOT, env, seedArgs);

  succeeded(await bootOld(await environment(templateUrl)), "0.1.0's first boot");
  await query(templateUrl, "DELETE FROM user_role WHERE user_id = $1", [subs[USERS.ada.email]]);
  await query(templateUrl, "INSERT INTO user_role (user_id, role_id) VALUES ($1, $2)", [subs[USERS.ben.email], roleByName("Viewer").id]);

  const platform: Platform = {
    oldRelease,
    subs,
    database: () => cloneDatabase(templateUrl),
    environment,
    bootOld,
    bootNew,
    async upgradedDatabase() {
      const databaseUrl = await platform.database();
      succeeded(await bootNew(await environment(databaseUrl)), "the upgrading boot");
      return databaseUrl;
    },
    async globalRoles(databaseUrl, email) {
      return (await grants(databaseUrl)).filter((grant) => grant.user_id === subs[email]).map((grant) => grant.role);
    },
    async makeTrustAdmin(databaseUrl, email) {
      const trustId = randomUUID();
      await query(databaseUrl, "INSERT INTO user_role (user_id, role_id, trust_id) VALUES ($1, $2, $3)", [
        subs[email],
        TRUST_ADMIN.id,
        trustId,
      ]);
      return trustId;
    },
    async deleteSeedGrant(databaseUrl, email) {
      await query(databaseUrl, "DELETE FROM seed_grant WHERE user_id = $1", [subs[email]]);
    },
  };
  return platform;
}
