/**
 * The seed command's report: the run's report (one builder makes it, see
 * ../report.ts) with what only the command knows: its exit code, where the
 * time went, and the process' memory. `--report <file>` writes it; the last
 * log line carries its timings.
 */
import { EXIT_OK, exitCodeFor, type ExitCode } from "../../shared/cli/exit-codes.js";
import { measuredMs, MEASURES, startupMs } from "../instrumentation.js";
import { buildReport, type RunRecord, type SeedReport } from "../report.js";

/**
 * Where the time went, in ms: loading code before the run (`startupMs`) and
 * during it (`loadingMs`: the directory's client, Prisma's client and its
 * query compiler), resolution in the directory and the database transaction,
 * and the seed's own work (the run less its loading).
 */
export interface Timings {
  startupMs: number;
  loadingMs: number;
  /**
   * Resolution in the directory, whichever it is: named when Cognito was the
   * only one, and kept so, for the bench and the report's readers.
   */
  cognitoMs: number;
  databaseMs: number;
  workMs: number;
}

export interface CommandReport extends SeedReport {
  exitCode: ExitCode;
  timings: Timings;
  /** The process' peak resident memory so far. */
  peakRssMb: number;
}

/** The timings of a command that began at `startedAt` (on `performance.now()`'s scale), from the run's measures. */
export function commandTimings(startedAt: number): Timings {
  const loadingMs = measuredMs(MEASURES.load) + measuredMs(MEASURES.connect);
  return {
    startupMs: Math.round(startupMs()),
    loadingMs: Math.round(loadingMs),
    cognitoMs: Math.round(measuredMs(MEASURES.resolve)),
    databaseMs: Math.round(measuredMs(MEASURES.apply)),
    workMs: Math.round(performance.now() - startedAt - loadingMs),
  };
}

/** The run's report, and the exit code (decided here alone), timings and memory around it, in the file's order. */
export function commandReport(run: RunRecord, timings: Timings): CommandReport {
  const { users, ...summary } = buildReport(run);
  return {
    exitCode: run.failure ? exitCodeFor(run.failure) : EXIT_OK,
    ...summary,
    timings,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    users,
  };
}
