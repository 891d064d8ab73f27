/**
 * The boot sequence (`flip-db-deploy`, bin/deploy.js; the entry is main.ts):
 * waits for PostgreSQL (bounded), migrates, seeds, and exits with the seed's
 * own exit code (0, 1 or 2).
 *
 * It sits on the boot path of every replica, so it pays for no tool it does
 * not need: when every migration is applied already it does not start
 * Prisma's CLI at all (the check is migration-check.ts), and the seed runs in
 * this process, through the same command `prisma db seed` runs.
 *
 * Waiting, the check and migrating use DIRECT_URL when it is set (PostgreSQL
 * itself, past any pooler), DATABASE_URL otherwise; the seed always uses
 * DATABASE_URL. Before it starts Prisma's CLI, it stops if that URL goes
 * through a transaction-mode pooler, where Prisma's session-scoped migration
 * lock protects nothing.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { constants } from "node:os";
import path from "node:path";

import { findMigrationsDirectory } from "../migrations/shipped.js";
import { EXIT_FATAL, EXIT_OK } from "../shared/cli/exit-codes.js";
import { parseFlags, UsageError } from "../shared/cli/usage.js";
import { ConfigError } from "../shared/config/ConfigError.js";
import { migrationUrl, readDatabaseUrls, type MigrationUrlVariable } from "../shared/config/environment.js";
import { errorCode, type ErrorCode } from "../shared/errors.js";
import type { Logger } from "../shared/logging.js";
import { withPgClient, type PgConnection } from "../shared/postgres/client.js";
import { locateDatabase } from "../shared/postgres/location.js";
import { probeTransactionPooler } from "../shared/postgres/pooler-probe.js";
import { transactionPoolerProblem, type PoolerVerdict } from "../shared/postgres/transaction-pooler.js";
import { checkMigrations, type MigrationCheck } from "./migration-check.js";
import { waitForDatabase, type WaitTarget } from "./wait-for-database.js";

const DEFAULT_WAIT_SECONDS = 30;
/** How the boot's own connections show in `pg_stat_activity`, unless the URL sets application_name. */
const DEPLOY_APPLICATION_NAME = "flip-db-deploy";
const CHECK_TIMEOUT_MS = 3_000;

const DEPLOY_USAGE = `Usage: flip-db-deploy [--wait-for-db <seconds>] [-- <seed flags>]
  --wait-for-db <seconds>  wait this long for PostgreSQL to accept connections (default ${DEFAULT_WAIT_SECONDS}; 0: do not wait)
  -- <seed flags>          passed to the seed, e.g. -- --strict
Runs: prisma migrate deploy (unless every migration is applied already) on DIRECT_URL, else DATABASE_URL;
then the seed, on DATABASE_URL.
Exit code: the seed's (0 success, 1 fatal, 2 usage); 1 when waiting or migrating fails.`;

const OPTIONS = { "wait-for-db": { type: "string" }, help: { type: "boolean", short: "h" } } as const;

/** Its own flags, and the seed's (after `--`); a mistake in its own is a UsageError. */
function parse(argv: readonly string[]): { waitSeconds: number; seedArgs: string[]; help: boolean } {
  const split = argv.indexOf("--");
  const own = split < 0 ? argv : argv.slice(0, split);
  const seedArgs = split < 0 ? [] : argv.slice(split + 1);
  const values = parseFlags(own, OPTIONS);
  const wait = values["wait-for-db"] ?? String(DEFAULT_WAIT_SECONDS);
  if (!/^\d+$/.test(wait) || Number(wait) > 3_600) {
    throw new UsageError(["--wait-for-db needs a whole number of seconds, at most 3600; see --help"]);
  }
  return { waitSeconds: Number(wait), seedArgs, help: values.help ?? false };
}

/** Everything the boot touches, so that tests can drive its decisions without a database. */
export interface DeployDependencies {
  waitForDatabase(target: MigrationTarget, seconds: number): Promise<void>;
  checkMigrations(migrationUrl: string): Promise<MigrationCheck>;
  /** Whether the URL goes through a transaction-mode pooler; rejects when the probe cannot run. */
  probeTransactionPooler(migrationUrl: string): Promise<PoolerVerdict>;
  /** `prisma migrate deploy`, with this terminal as its own; resolves to its exit code. */
  migrateWithPrisma(): Promise<number>;
  /** The seed command, in this process; resolves to its exit code. */
  seed(args: readonly string[]): Promise<number>;
  /** Where `--help` goes. */
  output: NodeJS.WritableStream;
}

export async function deploy(argv: readonly string[], env: NodeJS.ProcessEnv, logger: Logger, deps: DeployDependencies): Promise<number> {
  const { waitSeconds, seedArgs, help } = parse(argv);
  if (help) {
    deps.output.write(`${DEPLOY_USAGE}\n`);
    return EXIT_OK;
  }
  let target: MigrationTarget;
  try {
    target = migrationTarget(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) logger.fatal({ code: error.code }, problem);
    return EXIT_FATAL;
  }
  if (waitSeconds > 0) await deps.waitForDatabase(target, waitSeconds);

  const check = await deps.checkMigrations(target.url);
  if (check.upToDate) {
    logger.info(`${appliedMigrations(check.applied)}: nothing for prisma migrate deploy to do`);
  } else {
    // Only a boot that migrates pays for the probe: one with nothing to migrate goes through no lock of Prisma's.
    const pooler = await probe(target, deps, logger);
    if (pooler.transactionPooler) {
      const problem = transactionPoolerProblem(target.variable, target.location, pooler.evidence);
      logger.fatal({ code: "CONFIG_INVALID" satisfies ErrorCode }, `${problem}; nothing was migrated or seeded`);
      return EXIT_FATAL;
    }
    logger.info(`running prisma migrate deploy (${check.reason})`);
    const migrated = await deps.migrateWithPrisma();
    if (migrated !== 0) {
      logger.fatal(
        { code: "MIGRATION_FAILED" satisfies ErrorCode },
        `prisma migrate deploy failed (exit ${migrated}); the seed was not run`,
      );
      return EXIT_FATAL;
    }
  }

  logger.info("running the seed");
  const code = await deps.seed(seedArgs);
  if (code !== 0) logger.fatal({ code: "SEED_FAILED" satisfies ErrorCode }, `the seed failed (exit ${code}); see its lines above`);
  return code;
}

/** "the 1 migration is applied", "all 3 migrations are applied". */
function appliedMigrations(count: number): string {
  return count === 1 ? "the 1 migration is applied" : `all ${count} migrations are applied`;
}

/** The URL migrations use (DIRECT_URL, else DATABASE_URL), and where it points; a ConfigError when either URL is wrong. */
interface MigrationTarget extends WaitTarget {
  url: string;
  variable: MigrationUrlVariable;
}

function migrationTarget(env: NodeJS.ProcessEnv): MigrationTarget {
  const { url, variable } = migrationUrl(readDatabaseUrls(env));
  return { url, variable, location: locateDatabase(url).location };
}

/**
 * The probe's verdict; a probe that cannot run (the database is not there yet,
 * a time-out) finds nothing, and Prisma's CLI then says what is wrong, as before.
 */
async function probe(target: MigrationTarget, deps: DeployDependencies, logger: Logger): Promise<PoolerVerdict> {
  try {
    return await deps.probeTransactionPooler(target.url);
  } catch (error) {
    logger.info(`could not check whether ${target.variable} goes through a transaction-mode pooler (${errorCode(error) ?? "no code"})`);
    return { transactionPooler: false };
  }
}

/** This package's root: where its prisma.config.ts and prisma/migrations are, from src/ or from dist/. */
function packageRoot(): string {
  return path.dirname(path.dirname(findMigrationsDirectory()));
}

/** Runs Prisma's CLI on this package's configuration, with this terminal as its own, as an entrypoint would. */
async function prisma(args: string[]): Promise<number> {
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const config = path.join(packageRoot(), "prisma.config.ts");
  const child = spawn(process.execPath, [cli, ...args, "--config", config], { stdio: "inherit" });
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  // A shell's convention for a child killed by a signal: 128 + its number (137 for SIGKILL).
  return code ?? (signal ? 128 + constants.signals[signal] : EXIT_FATAL);
}

/** The boot's short connections: a few seconds to connect and to answer, named in pg_stat_activity. */
function connection(url: string): PgConnection & { url: string } {
  return { url, timeoutMs: CHECK_TIMEOUT_MS, queryTimeoutMs: CHECK_TIMEOUT_MS, applicationName: DEPLOY_APPLICATION_NAME };
}

/**
 * The real dependencies, but for the seed: it is another program, which the
 * entry point (src/main/deploy.ts) hands in.
 */
export function realDependencies(logger: Logger, seed: DeployDependencies["seed"]): DeployDependencies {
  return {
    waitForDatabase: (target, seconds) =>
      waitForDatabase(target, seconds, {
        checkConnection: () =>
          withPgClient(connection(target.url), async (client) => {
            await client.query("SELECT 1");
          }),
        log: (line) => logger.info(line),
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      }),
    checkMigrations: (migrationUrl) => checkMigrations(connection(migrationUrl), findMigrationsDirectory()),
    probeTransactionPooler: (migrationUrl) => probeTransactionPooler(connection(migrationUrl)),
    migrateWithPrisma: () => prisma(["migrate", "deploy"]),
    seed,
    output: process.stdout,
  };
}
