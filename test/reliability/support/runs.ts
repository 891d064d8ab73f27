/**
 * Runs for the reliability suites. Every run carries sentinel secrets (the
 * database password, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and every
 * output is searched for them, and for the manifest's full emails, before the
 * test looks at anything else: a leak anywhere fails the run that made it.
 */
import { randomBytes } from "node:crypto";

import { expect, type TestContext } from "vitest";

import type { FixtureUser } from "../../../dev/cognito.js";
import type { ManifestEntry } from "../../../src/manifest/index.js";
import { flipDbDeploy, prisma, seedDirectly, seedThroughPrisma } from "../../support/commands.js";
import { query } from "../../support/postgres.js";
import type { CommandResult } from "../../support/run-command.js";
import { migratedDatabase, writeManifest } from "../../support/seed-fixture.js";
import { environmentFor, freshPool, stack } from "../../support/stack.js";
import { mustBeZero } from "./figures.js";

const AWS_SECRET_SENTINEL = "SENTINEL-aws-secret-access-key-8f41b7";
const AWS_SESSION_SENTINEL = "SENTINEL-aws-session-token-2ad96c";

/** The secrets no output may contain. */
function sentinels(): string[] {
  return [stack().appPassword, AWS_SECRET_SENTINEL, AWS_SESSION_SENTINEL];
}

/** A database URL on the shared server for `database`, as the sentinel-password role. */
export function appUrl(database: string): string {
  const url = new URL(stack().postgresAdminUrl);
  url.username = stack().appUser;
  url.password = stack().appPassword;
  url.pathname = `/${database}`;
  return url.toString();
}

/** An empty database owned by the sentinel role. */
export async function emptyAppDatabase(prefix = "rel"): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await query(stack().postgresAdminUrl, `CREATE DATABASE "${name}" OWNER "${stack().appUser}"`);
  return appUrl(name);
}

/** A migrated database handed to the sentinel role. */
export async function migratedAppDatabase(): Promise<string> {
  const adminUrl = await migratedDatabase();
  const name = new URL(adminUrl).pathname.slice(1);
  await query(stack().postgresAdminUrl, `ALTER DATABASE "${name}" OWNER TO "${stack().appUser}"`);
  for (const table of ["_prisma_migrations", "roles", "user_profile", "user_role", "seed_grant"]) {
    await query(adminUrl, `ALTER TABLE "${table}" OWNER TO "${stack().appUser}"`);
  }
  return appUrl(name);
}

/** The AWS credentials every run carries (a boot on Keycloak too): sentinels no output may show. */
export const SENTINEL_AWS_CREDENTIALS = { AWS_SECRET_ACCESS_KEY: AWS_SECRET_SENTINEL, AWS_SESSION_TOKEN: AWS_SESSION_SENTINEL };

/** The environment of a boot with sentinel secrets, for `databaseUrl` and `userPoolId`. */
export function sentinelEnvironment(databaseUrl: string, userPoolId: string, manifestPath: string): Record<string, string> {
  return {
    ...environmentFor(databaseUrl, userPoolId),
    ...SENTINEL_AWS_CREDENTIALS,
    SEED_USERS_FILE: manifestPath,
  };
}

export interface ReliabilityScenario {
  databaseUrl: string;
  userPoolId: string;
  subs: string[];
  manifestPath: string;
  entries: readonly ManifestEntry[];
  env: Record<string, string>;
}

export async function reliabilityScenario(
  poolUsers: readonly FixtureUser[],
  entries: readonly ManifestEntry[],
  options: { migrated?: boolean } = {},
): Promise<ReliabilityScenario> {
  const [databaseUrl, pool, manifestPath] = await Promise.all([
    options.migrated === false ? emptyAppDatabase() : migratedAppDatabase(),
    freshPool(poolUsers),
    writeManifest(entries),
  ]);
  return {
    databaseUrl,
    userPoolId: pool.userPoolId,
    subs: pool.subs,
    manifestPath,
    entries,
    env: sentinelEnvironment(databaseUrl, pool.userPoolId, manifestPath),
  };
}

/**
 * Fails the test, and counts a leak, when `result` shows a sentinel secret or,
 * unless the run turned redaction off, one of `emails` in full.
 */
export function checkOutput(
  context: TestContext,
  result: CommandResult,
  emails: readonly string[],
  env: Record<string, string | undefined> = {},
): void {
  const text = `${result.stdout}\n${result.stderr}`;
  const secrets = sentinels().filter((secret) => text.includes(secret));
  const redacting = env.SEED_REDACT_EMAILS !== "false";
  const exposed = redacting ? emails.filter((email) => text.toLowerCase().includes(email.toLowerCase())) : [];
  mustBeZero(context, "secret leaks", secrets.length);
  mustBeZero(context, "full emails in output (redaction on)", exposed.length);
  expect(secrets, "a secret appeared in the output").toEqual([]);
  expect(exposed, "a full email appeared in the output").toEqual([]);
}

/** `npx prisma migrate deploy && npx prisma db seed -- <args>`, as a boot runs it; checked for leaks. */
export async function boot(
  context: TestContext,
  scenario: Pick<ReliabilityScenario, "env" | "entries">,
  args: readonly string[] = [],
): Promise<CommandResult> {
  const deploy = await prisma(["migrate", "deploy"], scenario.env);
  checkOutput(
    context,
    deploy,
    scenario.entries.map((e) => e.email),
    scenario.env,
  );
  if (deploy.code !== 0) return deploy;
  return seed(context, scenario, args);
}

/** `node bin/deploy.js` (flip-db-deploy), a replica's entrypoint; checked for leaks. */
export async function deployBoot(context: TestContext, scenario: Pick<ReliabilityScenario, "env" | "entries">): Promise<CommandResult> {
  const result = await flipDbDeploy(scenario.env);
  checkOutput(
    context,
    result,
    scenario.entries.map((e) => e.email),
    scenario.env,
  );
  return result;
}

/** `npx prisma db seed -- <args>`; checked for leaks. */
export async function seed(
  context: TestContext,
  scenario: Pick<ReliabilityScenario, "env" | "entries">,
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<CommandResult> {
  const fullEnv = { ...scenario.env, ...env };
  const result = await seedThroughPrisma(fullEnv, args);
  checkOutput(
    context,
    result,
    scenario.entries.map((e) => e.email),
    fullEnv,
  );
  return result;
}

/** The seed entry run directly (its own exit codes: 0, 1, 2); checked for leaks. */
export async function seedDirect(
  context: TestContext,
  scenario: Pick<ReliabilityScenario, "env" | "entries">,
  args: readonly string[] = [],
  env: Record<string, string | undefined> = {},
  timeoutMs = 180_000,
): Promise<CommandResult> {
  const fullEnv = { ...scenario.env, ...env };
  const result = await seedDirectly(fullEnv, args, timeoutMs);
  checkOutput(
    context,
    result,
    scenario.entries.map((e) => e.email),
    fullEnv,
  );
  return result;
}
