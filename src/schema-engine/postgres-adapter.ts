import { randomUUID } from "node:crypto";

import { PrismaPg } from "@prisma/adapter-pg";
import {
  ColumnTypeEnum,
  isDriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
} from "@prisma/driver-adapter-utils";
import pg from "pg";

import { quoteIdentifier } from "../shared/postgres/quote.js";
import type { PostgresTarget } from "./postgres-target.js";

/** Postgres' internal one-byte `"char"` type, which `pg_catalog` uses for flags such as `contype`. */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

type FieldLike = { dataTypeID: number };
type ResultLike = { fields?: FieldLike[] };

/**
 * The schema describer reads `"char"` columns from `pg_catalog` and expects
 * them typed as characters, but `@prisma/adapter-pg` has no mapping for that
 * OID and rejects the whole result. The pg client below relabels such fields
 * as text (pg already hands their values over as strings) and notes their
 * positions by query text; {@link MigrationAdapter.queryRaw} then marks those
 * columns as characters. Result columns depend only on the query text, so the
 * note is exact, and the describer's few queries keep it small.
 */
const charColumnsBySql = new Map<string, number[]>();

function relabelCharFields(sql: string | undefined, result: unknown): void {
  for (const single of Array.isArray(result) ? result : [result]) {
    const fields = (single as ResultLike | undefined)?.fields ?? [];
    const positions = fields.flatMap((field, index) => (field.dataTypeID === PG_CHAR_OID ? [index] : []));
    if (positions.length === 0) continue;
    for (const index of positions) fields[index]!.dataTypeID = PG_TEXT_OID;
    if (sql !== undefined) charColumnsBySql.set(sql, positions);
  }
}

function queryText(config: unknown): string | undefined {
  if (typeof config === "string") return config;
  const text = (config as { text?: unknown } | null)?.text;
  return typeof text === "string" ? text : undefined;
}

/** A pg client whose results the Prisma adapter can read even when they hold `"char"` columns. */
class CatalogReadingClient extends pg.Client {
  // pg-pool calls `query(config, values, callback)`; the adapter's own
  // transactions call the promise form. Both are covered.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const run = super.query.bind(this) as (...a: unknown[]) => unknown;
    const sql = queryText(args[0]);
    const last: unknown = args.at(-1);
    if (typeof last === "function") {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        if (!error) relabelCharFields(sql, result);
        (last as (e: unknown, r: unknown) => void)(error, result);
      };
      return run(...(args as unknown[]));
    }
    const outcome = run(...(args as unknown[]));
    if (!(outcome instanceof Promise)) return outcome;
    return outcome.then((result: unknown) => {
      relabelCharFields(sql, result);
      return result;
    });
  }
}

/** What Postgres said when a script failed, before the adapter filed it under a Prisma kind. */
export interface ScriptFailure {
  code: string;
  message: string;
}

function scriptFailureOf(error: unknown): ScriptFailure | undefined {
  if (!isDriverAdapterError(error)) return undefined;
  const cause = error.cause as { originalCode?: unknown; originalMessage?: unknown };
  return typeof cause.originalCode === "string" && typeof cause.originalMessage === "string"
    ? { code: cause.originalCode, message: cause.originalMessage }
    : undefined;
}

type PrismaPgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;

/**
 * Wraps a `@prisma/adapter-pg` connection to fix what the schema engine needs:
 * whole migration scripts, and a release step of our choosing.
 */
class MigrationAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter["provider"];
  readonly adapterName: string;

  constructor(
    private readonly inner: PrismaPgAdapter,
    private readonly release: () => Promise<void>,
    private readonly onScriptError: (error: ScriptFailure) => void = () => {},
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    const result = await this.inner.queryRaw(query);
    for (const index of charColumnsBySql.get(query.sql) ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  }

  executeRaw: SqlDriverAdapter["executeRaw"] = (query) => this.inner.executeRaw(query);
  startTransaction: SqlDriverAdapter["startTransaction"] = (level) => this.inner.startTransaction(level);
  getConnectionInfo: NonNullable<SqlDriverAdapter["getConnectionInfo"]> = () => this.inner.getConnectionInfo();

  /**
   * The stock adapter splits scripts on every `;`, which breaks function bodies
   * and string literals. A parameterless query goes over Postgres' simple
   * protocol, which runs the whole script as one implicit transaction, exactly
   * as the native engine does; errors still pass through the adapter's mapping.
   *
   * The engine renders known Postgres errors in Prisma's words ("No such
   * table"), so what Postgres itself said is passed on to `onScriptError`.
   */
  async executeScript(script: string): Promise<void> {
    try {
      await this.inner.executeRaw({ sql: script, args: [], argTypes: [] });
    } catch (error) {
      const databaseError = scriptFailureOf(error);
      if (databaseError) this.onScriptError(databaseError);
      throw error;
    }
  }

  dispose(): Promise<void> {
    return this.release();
  }
}

/**
 * Puts each new connection's unqualified names in `schema`, as the native
 * engine does for `?schema=`: the migrations' SQL and the engine's own
 * `_prisma_migrations` name no schema, and would otherwise land in `public`.
 * A statement after connecting, not the `options` startup parameter, which
 * PgBouncer refuses. pg runs a client's queries in order, so it runs before
 * anything the engine sends; it cannot fail for a schema that does not exist
 * yet (the engine creates it).
 */
function useSchema(pool: pg.Pool, schema: string): void {
  pool.on("connect", (client) => {
    // A connection lost here fails the engine's own next query on it, which reports it.
    client.query(`SET search_path TO ${quoteIdentifier(schema)}`).catch(() => {});
  });
}

async function openAdapter(target: PostgresTarget, database?: string): Promise<PrismaPgAdapter> {
  // Discrete fields, never `connectionString`: pg lets a connection string
  // override `database`, which silently points a shadow pool at the main database.
  const pool = new pg.Pool({
    ...target.client,
    ...(database === undefined ? {} : { database }),
    Client: CatalogReadingClient,
    max: 4,
  });
  // Without ?schema= the server's own search_path stays, as it always has.
  if (target.schema !== undefined) useSchema(pool, target.schema);
  return new PrismaPg(pool, { schema: target.schema, disposeExternalPool: true }).connect();
}

/**
 * The driver-adapter factory the WebAssembly schema engine runs on.
 *
 * Shadow databases (for `migrate dev` and `migrate diff --from-migrations`) are
 * either the configured `shadowDatabaseUrl`, emptied first as the native engine
 * does, or a temporary database that is dropped after its pool has closed.
 */
export class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName = "@prisma/adapter-pg";
  private readonly openShadows = new Set<() => Promise<void>>();
  private lastScriptError: ScriptFailure | undefined;

  constructor(
    private readonly main: PostgresTarget,
    private readonly shadow?: PostgresTarget,
  ) {}

  async connect(): Promise<SqlDriverAdapter> {
    const inner = await openAdapter(this.main);
    return new MigrationAdapter(inner, () => inner.dispose(), this.recordScriptError);
  }

  private readonly recordScriptError = (error: ScriptFailure) => {
    this.lastScriptError = error;
  };

  /** The database's own report of the last failed script, once; `undefined` if none failed since the last call. */
  takeScriptError(): ScriptFailure | undefined {
    const error = this.lastScriptError;
    this.lastScriptError = undefined;
    return error;
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    if (this.shadow) return this.connectToConfiguredShadow(this.shadow);

    const admin = await openAdapter(this.main);
    const name = `prisma_migrate_shadow_db_${randomUUID()}`;
    try {
      await admin.executeRaw({ sql: `CREATE DATABASE ${quoteIdentifier(name)}`, args: [], argTypes: [] });
    } catch (error) {
      await admin.dispose();
      throw error;
    }
    const shadow = await openAdapter(this.main, name);
    let releasing: Promise<void> | undefined;
    const release = () =>
      (releasing ??= (async () => {
        // Close the shadow pool first: Postgres refuses to drop a database in use.
        await shadow.dispose();
        try {
          await admin.executeRaw({ sql: `DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`, args: [], argTypes: [] });
        } finally {
          await admin.dispose();
          this.openShadows.delete(release);
        }
      })());
    this.openShadows.add(release);
    return new MigrationAdapter(shadow, release, this.recordScriptError);
  }

  /**
   * Drops every temporary shadow database still open. The engine releases its
   * shadow connection without waiting for it, and not at all after a panic, so
   * the process calls this before it exits.
   */
  async close(): Promise<void> {
    await Promise.allSettled([...this.openShadows].map((release) => release()));
  }

  private async connectToConfiguredShadow(target: PostgresTarget): Promise<SqlDriverAdapter> {
    const inner = await openAdapter(target);
    const schema = quoteIdentifier(target.schema ?? "public");
    await new MigrationAdapter(inner, async () => {}).executeScript(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};`);
    return new MigrationAdapter(inner, () => inner.dispose(), this.recordScriptError);
  }
}
