/**
 * One run of the boot seed: validate, resolve, apply, report. Everything it
 * touches comes in through `SeedDependencies`, so tests drive it without
 * module mocks; `prisma/seed.ts` passes the real ones.
 */
import { writeFile } from "node:fs/promises";

import { findReportPath, LOG_LEVELS, parseFlags, readEnvironment, USAGE, type LogLevel, type SeedEnvironment } from "../config.js";
import type { Database } from "../db.js";
import type { IdentityDirectory } from "../directory/identity-directory.js";
import { EXIT_FATAL, EXIT_OK, SeedError, StrictModeError } from "../errors/index.js";
import { createLogger, createScrubber, secretsFromEnvironment, type Logger, type Scrub } from "../log.js";
import { loadManifest } from "../manifest.js";
import { resolutionProgress } from "../progress.js";
import { countOutcomes, logReport, logUser, redactEmail, userReports, type SeedReport } from "../report.js";
import { applySeed } from "./apply.js";
import { toDatabaseError } from "./database-errors.js";
import { plannedWrites } from "./plan.js";
import { resolveAll, type Resolution } from "./resolve.js";

/** A directory the run closes when it is done. */
export type ClosableDirectory = IdentityDirectory & { close(): void };

export interface SeedDependencies {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Where logs go (stdout). */
  output: NodeJS.WritableStream & { isTTY?: boolean };
  openDirectory(config: SeedEnvironment): Promise<ClosableDirectory>;
  openDatabase(config: SeedEnvironment): Promise<Database>;
  /** Where a progress bar may go (stderr); it shows only on a terminal, for large manifests. */
  progress?: NodeJS.WriteStream;
  now?: () => number;
  /**
   * Time spent loading code: before the run began (Node, TypeScript, the
   * modules it imports at once), and during it (the AWS SDK and Prisma's
   * client, imported once validation has passed, with Prisma's WebAssembly
   * query compiler, which it compiles on connect). The report keeps it apart
   * from the seed's own work.
   */
  loading?: LoadingTimes;
}

export interface LoadingTimes {
  startupMs: number;
  loadingMs: number;
}

function emptyReport(flags: { dryRun: boolean; strict: boolean }, startedAt: Date): SeedReport {
  return {
    exitCode: EXIT_OK,
    status: "ok",
    problems: [],
    dryRun: flags.dryRun,
    strict: flags.strict,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    counts: { resolved: 0, not_found: 0, ineligible: 0, ambiguous: 0, transient: 0 },
    users: [],
  };
}

async function writeReport(path: string | undefined, report: SeedReport, logger: Logger, scrub: Scrub): Promise<void> {
  if (path === undefined) return;
  try {
    await writeFile(path, `${scrub(JSON.stringify(report, null, 2))}\n`);
  } catch (error) {
    logger.error(`report ${path}: cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function skippedUsers(resolutions: readonly Resolution[], redact: boolean): string[] {
  return resolutions
    .filter(({ lookup }) => lookup.status !== "resolved")
    .map(({ entry, lookup }) => `${redact ? redactEmail(entry.email) : entry.email} (${lookup.status})`);
}

export async function runSeed(deps: SeedDependencies): Promise<number> {
  const now = deps.now ?? Date.now;
  const started = now();
  const scrub = createScrubber(secretsFromEnvironment(deps.env));
  // The level is read before the environment is validated, so that
  // configuration errors are logged too; a bad LOG_LEVEL is reported below.
  const level = (LOG_LEVELS as readonly string[]).includes(deps.env.LOG_LEVEL ?? "") ? (deps.env.LOG_LEVEL as LogLevel) : "info";
  const logger = createLogger({ level, pretty: deps.output.isTTY === true, scrub, destination: deps.output });

  let report = emptyReport({ dryRun: false, strict: false }, new Date(started));
  let reportPath: string | undefined;
  let redact = true;
  let resolutions: Resolution[] | undefined;
  let directory: ClosableDirectory | undefined;
  let database: Database | undefined;
  // Phase times, kept as they finish, so that a failed run reports them too.
  const phases = { cognitoMs: 0, databaseMs: 0 };
  const timed = async <T>(phase: keyof typeof phases, work: () => Promise<T>): Promise<T> => {
    const phaseStarted = now();
    try {
      return await work();
    } finally {
      phases[phase] = Math.round(now() - phaseStarted);
    }
  };
  const timings = () => {
    const loadingMs = deps.loading?.loadingMs ?? 0;
    return {
      startupMs: Math.round(deps.loading?.startupMs ?? 0),
      loadingMs: Math.round(loadingMs),
      ...phases,
      workMs: Math.round(now() - started - loadingMs),
    };
  };
  try {
    reportPath = findReportPath(deps.argv);
    const flags = parseFlags(deps.argv);
    if (flags.help) {
      deps.output.write(`${USAGE}\n`);
      return EXIT_OK;
    }
    report = emptyReport(flags, new Date(started));
    const config = readEnvironment(deps.env);
    redact = config.redactEmails;
    const entries = await loadManifest(flags.users ?? config.usersFile);
    logger.debug({ users: entries.length }, "manifest valid");

    directory = await deps.openDirectory(config);
    const progress = resolutionProgress(deps.progress, entries.length);
    const resolution = await timed("cognitoMs", () =>
      resolveAll(directory!, entries, {
        requestsPerSecond: config.cognito.requestsPerSecond,
        strategy: flags.lookup,
        onChoice: (choice) => logger.info({ lookup: choice }, `Cognito lookup: ${choice.reason}`),
        onProgress: progress?.update,
      }).finally(() => progress?.stop()),
    );
    resolutions = resolution.resolutions;
    const resolved = resolutions.filter(({ lookup }) => lookup.status === "resolved").length;
    if (flags.strict) {
      const skipped = skippedUsers(resolutions, redact);
      if (skipped.length > 0) {
        throw new StrictModeError([`--strict: ${skipped.length} user(s) skipped, nothing written: ${skipped.join(", ")}`]);
      }
    }

    database = await deps.openDatabase(config).catch((error: unknown) => {
      throw toDatabaseError(error, config.databaseUrl);
    });
    logger.info(
      { resolved, skipped: resolutions.length - resolved, dryRun: flags.dryRun },
      `${resolved} of ${resolutions.length} users resolved in Cognito; ${flags.dryRun ? "planning (dry run)" : "applying in one transaction"}`,
    );
    const { plan, written } = await timed("databaseMs", () =>
      applySeed(database!, resolutions!, { dryRun: flags.dryRun, timeoutMs: config.database.transactionTimeoutMs }),
    ).catch((error: unknown) => {
      throw error instanceof SeedError ? error : toDatabaseError(error, config.databaseUrl);
    });

    const users = userReports(plan.users, redact);
    report = {
      ...report,
      durationMs: Math.round(now() - started),
      lookup: {
        strategy: resolution.choice.strategy,
        reason: resolution.choice.reason,
        calls: resolution.calls,
        throttleRetries: resolution.throttleRetries,
      },
      timings: timings(),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      counts: countOutcomes(users),
      planned: plannedWrites(plan),
      written,
      users,
    };
    logReport(logger, report);
    await writeReport(reportPath, report, logger, scrub);
    return EXIT_OK;
  } catch (error) {
    const failure =
      error instanceof SeedError
        ? error
        : { code: "UNEXPECTED", exitCode: EXIT_FATAL, problems: [`unexpected error: ${(error as Error)?.message ?? String(error)}: this is a bug`] };
    // Who was skipped matters most when --strict stops the run; the lookups are known by then.
    const users = resolutions ? userReports(resolutions, redact) : [];
    for (const user of users) if (user.outcome !== "resolved") logUser(logger, user);
    for (const problem of failure.problems) logger.fatal({ code: failure.code }, problem);
    if (!(error instanceof SeedError)) logger.debug({ stack: (error as Error)?.stack }, "stack of the unexpected error");
    report = {
      ...report,
      counts: countOutcomes(users),
      users,
      exitCode: failure.exitCode,
      status: failure.code,
      problems: [...failure.problems],
      durationMs: Math.round(now() - started),
      timings: timings(),
    };
    await writeReport(reportPath, report, logger, scrub);
    return failure.exitCode;
  } finally {
    directory?.close();
    await database?.$disconnect().catch(() => {});
  }
}
