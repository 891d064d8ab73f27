import type pg from "pg";

import { errorCode } from "../shared/errors.js";
import { withPgClient } from "../shared/postgres/client.js";
import { quoteIdentifier } from "../shared/postgres/quote.js";
import { describeConnectionError } from "./connection-errors.js";
import type { PostgresTarget } from "./postgres-target.js";
import { SchemaEngineError } from "./SchemaEngineError.js";

const DUPLICATE_DATABASE = "42P04";
const CONNECT_TIMEOUT_MS = 10_000;

function withClient<T>(target: PostgresTarget, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withPgClient({ config: { ...target.client, database }, timeoutMs: CONNECT_TIMEOUT_MS }, work);
}

/** Throws a {@link SchemaEngineError} when the database cannot be used. */
async function canConnect(target: PostgresTarget): Promise<void> {
  try {
    await withClient(target, target.database, (client) => client.query("SELECT 1"));
  } catch (error) {
    throw describeConnectionError(error, target);
  }
}

/** Creates the target database from the `postgres` maintenance database; an existing one is fine. */
export async function createDatabase(target: PostgresTarget): Promise<string> {
  try {
    await withClient(target, "postgres", (client) => client.query(`CREATE DATABASE ${quoteIdentifier(target.database)}`));
  } catch (error) {
    if (errorCode(error) !== DUPLICATE_DATABASE) throw describeConnectionError(error, target);
  }
  return target.database;
}

/** The one-shot commands the CLI runs as `schema-engine --datasource … cli <command>`. */
export async function runCliCommand(command: string | undefined, target: PostgresTarget): Promise<void> {
  switch (command) {
    case "can-connect-to-database":
      return canConnect(target);
    case "create-database":
      await createDatabase(target);
      return;
    default:
      throw new SchemaEngineError(`The offline schema engine has no CLI command "${command ?? ""}".`);
  }
}
