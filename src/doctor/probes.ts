/**
 * The doctor's real I/O: the manifest file, PostgreSQL through pg (one short
 * connection per probe, never Prisma's client), the migrations directory, and
 * the seed's own Cognito directory on its client settings. Each database probe
 * rejects with pg's error, the directory with its own; the checks turn them
 * into words.
 */
import pg from "pg";

import { loadManifest } from "../manifest/index.js";
import type { MigrationRecord } from "../migrations/history.js";
import { readHistory } from "../migrations/recorded.js";
import { findMigrationsDirectory, listMigrationDirectories } from "../migrations/shipped.js";
import { withPgClient, type PgConnection } from "../shared/postgres/client.js";
import * as poolerProbe from "../shared/postgres/pooler-probe.js";
import type { PoolerVerdict } from "../shared/postgres/transaction-pooler.js";
import type { CognitoTarget, DatabaseTarget, DoctorDependencies, DoctorDirectory } from "./checks.js";

/** How the doctor's connections show in `pg_stat_activity`, unless the URL sets application_name. */
const DOCTOR_APPLICATION_NAME = "flip-db-doctor";

function connection(target: DatabaseTarget): PgConnection {
  const timeoutMs = target.connectTimeoutMs;
  return { url: target.url, timeoutMs, queryTimeoutMs: timeoutMs, applicationName: DOCTOR_APPLICATION_NAME };
}

function withConnection<T>(target: DatabaseTarget, work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withPgClient(connection(target), work);
}

function probeTransactionPooler(target: DatabaseTarget): Promise<PoolerVerdict> {
  return poolerProbe.probeTransactionPooler(connection(target));
}

async function pingDatabase(target: DatabaseTarget): Promise<{ serverVersion: string }> {
  return withConnection(target, async (client) => {
    const { rows } = await client.query<{ one: number; version: string }>("SELECT 1 AS one, current_setting('server_version') AS version");
    // "16.4 (Debian 16.4-1.pgdg120+1)" -> "16.4"
    return { serverVersion: rows[0]?.version.split(" ")[0] ?? "(unknown version)" };
  });
}

function readMigrationHistory(target: DatabaseTarget): Promise<MigrationRecord[]> {
  return withConnection(target, (client) => readHistory(client, target.schema));
}

/** The SDK loads only when a Cognito check runs: `--help` and usage errors stay fast. */
export async function openDirectory(target: CognitoTarget): Promise<DoctorDirectory> {
  const { createCognitoDirectory } = await import("../directory/cognito-directory.js");
  return createCognitoDirectory(target);
}

/** The real dependencies; `migrationsDirectory` defaults to this package's. */
export function realDependencies(migrationsDirectory: string = findMigrationsDirectory()): DoctorDependencies {
  return {
    loadManifest,
    pingDatabase,
    probeTransactionPooler,
    readMigrationHistory,
    listMigrations: () => listMigrationDirectories(migrationsDirectory),
    openDirectory,
  };
}
