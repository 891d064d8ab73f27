/**
 * The doctor's real I/O: the manifest file, PostgreSQL through pg (one short
 * connection per probe, never Prisma's client), the migrations directory, and
 * Cognito through the seed's own client settings. Each probe rejects with
 * the library's error; the checks turn it into words.
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import pg from "pg";

import { loadManifest } from "../manifest.js";
import { quoteIdentifier } from "../schema-engine/postgres-target.js";
import type { CognitoTarget, DatabaseTarget, DoctorDependencies } from "./checks.js";
import type { MigrationRecord } from "./migrations.js";

/** How the doctor's connections show in `pg_stat_activity`, unless the URL sets application_name. */
export const DOCTOR_APPLICATION_NAME = "flip-db-doctor";

/**
 * The package's `prisma/migrations`, found from this file upwards: the same
 * directory whether the doctor runs from `src/` or from the build in `dist/`,
 * and wherever it is started from.
 */
export function findMigrationsDirectory(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let directory = from; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, "prisma", "migrations");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(directory) === directory) return path.resolve("prisma", "migrations");
  }
}

/** Migration directories by name, as Prisma lists them (files such as migration_lock.toml are not migrations). */
export async function listMigrationDirectories(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

async function withConnection<T>(target: DatabaseTarget, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: target.url,
    connectionTimeoutMillis: target.connectTimeoutMs,
    // A server that accepts the connection and then says nothing must not hold the doctor either.
    query_timeout: target.connectTimeoutMs,
    fallback_application_name: DOCTOR_APPLICATION_NAME,
  });
  // A connection dropped after the answer arrives as an 'error' event: not worth a crash.
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function pingDatabase(target: DatabaseTarget): Promise<{ serverVersion: string }> {
  return withConnection(target, async (client) => {
    const { rows } = await client.query<{ one: number; version: string }>(
      "SELECT 1 AS one, current_setting('server_version') AS version",
    );
    // "16.4 (Debian 16.4-1.pgdg120+1)" -> "16.4"
    return { serverVersion: rows[0]?.version.split(" ")[0] ?? "(unknown version)" };
  });
}

export async function readMigrationHistory(target: DatabaseTarget): Promise<MigrationRecord[]> {
  return withConnection(target, async (client) => {
    const { rows } = await client.query<MigrationRecord>(
      `SELECT migration_name, finished_at, rolled_back_at FROM ${quoteIdentifier(target.schema)}."_prisma_migrations" ORDER BY started_at`,
    );
    return rows;
  });
}

/** The SDK loads only when a Cognito check runs: `--help` and usage errors stay fast. */
async function withCognito<T>(
  target: CognitoTarget,
  work: (client: CognitoIdentityProviderClient, sdk: typeof import("@aws-sdk/client-cognito-identity-provider")) => Promise<T>,
): Promise<T> {
  const [{ createCognitoClient }, sdk] = await Promise.all([
    import("../directory/cognito-directory.js"),
    import("@aws-sdk/client-cognito-identity-provider"),
  ]);
  const client = createCognitoClient(target);
  try {
    return await work(client, sdk);
  } finally {
    client.destroy();
  }
}

export function describeUserPool(target: CognitoTarget): Promise<{ name?: string; estimatedUsers?: number }> {
  return withCognito(target, async (client, { DescribeUserPoolCommand }) => {
    const { UserPool } = await client.send(new DescribeUserPoolCommand({ UserPoolId: target.userPoolId }));
    return { name: UserPool?.Name, estimatedUsers: UserPool?.EstimatedNumberOfUsers };
  });
}

export function listOneUser(target: CognitoTarget): Promise<void> {
  return withCognito(target, async (client, { ListUsersCommand }) => {
    // The smallest call the seed's permission allows: one account, its `sub` only.
    await client.send(new ListUsersCommand({ UserPoolId: target.userPoolId, Limit: 1, AttributesToGet: ["sub"] }));
  });
}

/** The real dependencies; `migrationsDirectory` defaults to this package's. */
export function realDependencies(migrationsDirectory: string = findMigrationsDirectory()): DoctorDependencies {
  return {
    loadManifest,
    pingDatabase,
    readMigrationHistory,
    listMigrations: () => listMigrationDirectories(migrationsDirectory),
    describeUserPool,
    listOneUser,
  };
}
