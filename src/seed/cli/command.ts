/**
 * The seed's command line, a thin shell over `runSeed`: flags and environment
 * become options, the outcome becomes the report file and the exit code.
 * Everything it touches comes in through `CommandDependencies`, so tests drive
 * it without module mocks; `prisma/seed.ts` passes the real ones.
 */
import { writeFile } from "node:fs/promises";

import type { FlipDatabase } from "../../database/client.js";
import type { ClosableDirectory } from "../../directory/from-config.js";
import { loadManifest } from "../../manifest/index.js";
import { EXIT_OK } from "../../shared/cli/exit-codes.js";
import { LOG_LEVELS, readEnvironment, type LogLevel, type SeedEnvironment } from "../../shared/config/environment.js";
import { UnexpectedError } from "../../shared/errors.js";
import { createLogger, createScrubber, secretsFromEnvironment, type Logger, type Scrub } from "../../shared/logging.js";
import { clearRunEntries } from "../instrumentation.js";
import { resolutionProgress } from "../progress.js";
import { logOutcome, type RunRecord } from "../report.js";
import { runSeed, type SeedOptions } from "../seed-main-users.js";
import { commandReport, commandTimings, type CommandReport } from "./command-report.js";
import { findReportPath, parseSeedFlags, SEED_USAGE, type SeedFlags } from "./flags.js";

export interface CommandDependencies {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Where logs go (stdout). */
  output: NodeJS.WritableStream & { isTTY?: boolean };
  openDirectory(config: SeedEnvironment): Promise<ClosableDirectory>;
  /** A client for the database; the seed connects once the directory has answered. */
  openDatabase(config: SeedEnvironment): Promise<FlipDatabase>;
  /** Where a progress bar may go (stderr); it shows only on a terminal, for large manifests. */
  progress?: NodeJS.WriteStream;
}

/** What the command has opened so far, for closing whatever happened. */
interface Opened {
  directory?: ClosableDirectory;
  database?: FlipDatabase;
}

async function writeReport(path: string | undefined, report: CommandReport, logger: Logger, scrub: Scrub): Promise<void> {
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

/** The directory and the database, side by side: the AWS SDK's file reads overlap Prisma's compiling. */
async function openBoth(deps: CommandDependencies, config: SeedEnvironment, opened: Opened) {
  const [directory, database] = await Promise.allSettled([deps.openDirectory(config), deps.openDatabase(config)]);
  // Whatever opened is closed at the end, even when the other failed.
  if (directory.status === "fulfilled") opened.directory = directory.value;
  if (database.status === "fulfilled") opened.database = database.value;
  if (directory.status === "rejected") throw directory.reason;
  if (database.status === "rejected") throw database.reason;
  return { directory: directory.value, database: database.value };
}

/** The seed's run from flags, environment and manifest; throws only what stops it before it begins. */
async function runFromInput(deps: CommandDependencies, flags: SeedFlags, logger: Logger, opened: Opened): Promise<RunRecord> {
  const config = readEnvironment(deps.env);
  const users = await loadManifest(flags.users ?? config.usersFile);
  const { directory, database } = await openBoth(deps, config, opened);
  const options: SeedOptions = {
    users,
    directory,
    dryRun: flags.dryRun,
    strict: flags.strict,
    lookup: flags.lookup,
    // SEED_COGNITO_RPS paces Cognito alone; any other directory goes at its profile's pace.
    requestsPerSecond: config.keycloak === undefined ? config.cognito.requestsPerSecond : undefined,
    transactionTimeoutMs: config.database.transactionTimeoutMs,
    redactEmails: config.redactEmails,
  };
  return runSeed(database, options, { logger, progress: resolutionProgress(deps.progress, users.length, directory.profile.name) });
}

/** The record of a command stopped before its run began, by its flags, environment or manifest. */
function failedBeforeRun(flags: Pick<SeedFlags, "dryRun" | "strict">, error: unknown): RunRecord {
  return {
    dryRun: flags.dryRun,
    strict: flags.strict,
    // The command times its whole run, this included, and puts its own figures here.
    startedAt: new Date(),
    durationMs: 0,
    redactEmails: true,
    failure: UnexpectedError.wrap(error),
  };
}

/** The run's record, a failure's before it began included; `help` when the usage was asked for. */
async function runOrFailure(deps: CommandDependencies, logger: Logger, opened: Opened): Promise<RunRecord | "help"> {
  let flags = { dryRun: false, strict: false };
  try {
    const parsed = parseSeedFlags(deps.argv);
    if (parsed.help) return "help";
    flags = parsed;
    return await runFromInput(deps, parsed, logger, opened);
  } catch (error) {
    // runSeed carries its own failures: only the flags, the environment, the manifest and opening reach here.
    return failedBeforeRun(flags, error);
  }
}

/** Runs the seed command; resolves to its exit code. */
export async function runSeedCommand(deps: CommandDependencies): Promise<number> {
  const startedAt = { date: new Date(), ms: performance.now() };
  const scrub = createScrubber(secretsFromEnvironment(deps.env));
  const logger = createLogger({ level: logLevel(deps.env), pretty: deps.output.isTTY === true, scrub, destination: deps.output });
  const opened: Opened = {};
  try {
    const run = await runOrFailure(deps, logger, opened);
    if (run === "help") {
      deps.output.write(`${SEED_USAGE}\n`);
      return EXIT_OK;
    }
    // The report covers the whole command, from its first line to its report.
    const whole = { ...run, startedAt: startedAt.date, durationMs: Math.round(performance.now() - startedAt.ms) };
    const report = commandReport(whole, commandTimings(startedAt.ms));
    logOutcome(logger, report, run.failure);
    await writeReport(findReportPath(deps.argv), report, logger, scrub);
    return report.exitCode;
  } finally {
    opened.directory?.close();
    await opened.database?.$disconnect().catch(() => {});
    clearRunEntries();
  }
}
