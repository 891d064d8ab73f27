/**
 * The seed's command line, a thin shell over `runSeed`: flags and environment
 * become options, the outcome becomes the report file and the exit code.
 * Everything it touches comes in through `CommandDependencies`, so tests drive
 * it without module mocks; `prisma/seed.ts` passes the real ones.
 */
import { writeFile } from "node:fs/promises";

import type { FlipDatabase } from "../../database/client.js";
import { permittedLookup, seedPacing } from "../../directory/from-config.js";
import type { IdentityDirectory } from "../../directory/identity-directory.js";
import { loadManifest } from "../../manifest/index.js";
import { EXIT_OK, exitCodeFor } from "../../shared/cli/exit-codes.js";
import { LOG_LEVELS, readEnvironment, type LogLevel, type SeedEnvironment } from "../../shared/config/environment.js";
import { UnexpectedError } from "../../shared/errors.js";
import { createLogger, createScrubber, secretsFromEnvironment, type Logger, type Scrub } from "../../shared/logging.js";
import { resolutionProgress } from "../progress.js";
import { buildReport, type SeedReport } from "../report.js";
import { runSeed, type RunClock } from "../seed-main-users.js";
import { findReportPath, parseSeedFlags, SEED_USAGE } from "./flags.js";

/** A directory the command closes when it is done. */
export type ClosableDirectory = IdentityDirectory & { close(): void };

export interface CommandDependencies {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Where logs go (stdout). */
  output: NodeJS.WritableStream & { isTTY?: boolean };
  openDirectory(config: SeedEnvironment): Promise<ClosableDirectory>;
  /** A client for the database; the seed connects once Cognito has answered. */
  openDatabase(config: SeedEnvironment): Promise<FlipDatabase>;
  /** Where a progress bar may go (stderr); it shows only on a terminal, for large manifests. */
  progress?: NodeJS.WriteStream;
  now?: () => number;
  /**
   * Code loaded before the run began (Node, TypeScript, the modules imported
   * at once) and during it (the AWS SDK and Prisma's client, imported once
   * the input is valid): the report keeps it apart from the seed's own work.
   */
  loading?: { startupMs: number; readonly loadingMs: number };
}

async function writeReport(path: string | undefined, report: SeedReport, logger: Logger, scrub: Scrub): Promise<void> {
  if (path === undefined) return;
  try {
    await writeFile(path, `${scrub(JSON.stringify(report, null, 2))}\n`);
  } catch (error) {
    logger.error(`report ${path}: cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** The level is read before the environment is validated, so that configuration errors are logged too. */
function logLevel(env: NodeJS.ProcessEnv): LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(env.LOG_LEVEL ?? "") ? (env.LOG_LEVEL as LogLevel) : "info";
}

/** Runs the seed command; resolves to its exit code. */
export async function runSeedCommand(deps: CommandDependencies): Promise<number> {
  const now = deps.now ?? (() => performance.now());
  const startedAt = now();
  // Read when asked: opening the directory and the database loads code, which `loading` counts as it goes.
  const clock = (): RunClock => ({
    now,
    startedAt,
    startupMs: deps.loading?.startupMs ?? 0,
    loadingMs: deps.loading?.loadingMs ?? 0,
  });
  const scrub = createScrubber(secretsFromEnvironment(deps.env));
  const logger = createLogger({ level: logLevel(deps.env), pretty: deps.output.isTTY === true, scrub, destination: deps.output });
  const reportPath = findReportPath(deps.argv);

  let directory: ClosableDirectory | undefined;
  let database: FlipDatabase | undefined;
  let flags = { dryRun: false, strict: false };
  try {
    const parsed = parseSeedFlags(deps.argv);
    if (parsed.help) {
      deps.output.write(`${SEED_USAGE}\n`);
      return EXIT_OK;
    }
    flags = parsed;
    const config = readEnvironment(deps.env);
    const users = await loadManifest(parsed.users ?? config.usersFile);
    // The AWS SDK and Prisma's client load side by side: one's file reads overlap the other's compiling.
    const [openedDirectory, openedDatabase] = await Promise.allSettled([deps.openDirectory(config), deps.openDatabase(config)]);
    // Whatever opened is closed in `finally`, even when the other failed.
    if (openedDirectory.status === "fulfilled") directory = openedDirectory.value;
    if (openedDatabase.status === "fulfilled") database = openedDatabase.value;
    if (openedDirectory.status === "rejected") throw openedDirectory.reason;
    if (openedDatabase.status === "rejected") throw openedDatabase.reason;
    // Until the seed reads the directory's own description (issue 19): a directory no scan suits is looked up by email.
    const pacing = await seedPacing(config);
    const { report, failure } = await runSeed(openedDatabase.value, {
      users,
      directory: openedDirectory.value,
      dryRun: parsed.dryRun,
      strict: parsed.strict,
      lookup: permittedLookup(parsed.lookup, pacing.scanWorthwhile),
      requestsPerSecond: pacing.requestsPerSecond,
      transactionTimeoutMs: config.database.transactionTimeoutMs,
      redactEmails: config.redactEmails,
      logger,
      progress: resolutionProgress(deps.progress, users.length),
      clock: clock(),
    });
    await writeReport(reportPath, report, logger, scrub);
    return failure ? exitCodeFor(failure) : EXIT_OK;
  } catch (error) {
    // Only what fails before the seed runs reaches here: the flags, the environment, the manifest.
    const failure = UnexpectedError.wrap(error);
    for (const problem of failure.problems) logger.fatal({ code: failure.code }, problem);
    const elapsed = Math.round(now() - startedAt);
    const timings = { startupMs: clock().startupMs, loadingMs: clock().loadingMs, cognitoMs: 0, databaseMs: 0, workMs: elapsed };
    const report = buildReport({
      ...flags,
      startedAt: new Date(Date.now() - elapsed),
      durationMs: elapsed,
      timings,
      redactEmails: true,
      failure,
    });
    await writeReport(reportPath, report, logger, scrub);
    return exitCodeFor(failure);
  } finally {
    directory?.close();
    await database?.$disconnect().catch(() => {});
  }
}
