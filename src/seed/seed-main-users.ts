/**
 * The seed as a function, FLIP's `seed_main_users`: validate the users,
 * resolve them in the directory (no database connection open meanwhile),
 * apply everything in one transaction, report. `npx prisma db seed` runs
 * exactly this; the command adds only what belongs to a command line.
 */
import type { FlipDatabase } from "../database/client.js";
import { toDatabaseError } from "../database/errors.js";
import { databaseUrlOf } from "../database/urls.js";
import type { IdentityDirectory } from "../directory/identity-directory.js";
import { validateEntries } from "../manifest/entries.js";
import type { ManifestEntry } from "../manifest/schema.js";
import { FlipDbError, UnexpectedError } from "../shared/errors.js";
import { createScrubber, redactEmail, scrubbingLogger, secretsFromEnvironment, SILENT_LOGGER, type SeedLogger } from "../shared/logging.js";
import { applySeed, type ApplyResult } from "./apply.js";
import type { Progress } from "./progress.js";
import { buildReport, logReport, logUser, type SeedReport, type Timings } from "./report.js";
import { resolveAll, type Resolution, type ResolveResult } from "./resolve/resolve.js";
import type { StrategyRequest } from "./strategy.js";
import { StrictModeError } from "./StrictModeError.js";

export const SEED_DEFAULTS = {
  transactionTimeoutMs: 120_000,
  lookup: "auto",
} as const;

export interface SeedOptions {
  /** The well-known users; held to the manifest's rules before anything is contacted. */
  users: readonly ManifestEntry[];
  directory: IdentityDirectory;
  /** Resolve and plan, write nothing. */
  dryRun?: boolean;
  /** Any skipped user stops the run before anything is written. */
  strict?: boolean;
  /** `auto` (default): whichever needs fewer directory calls. */
  lookup?: StrategyRequest;
  /** Directory calls started per second, at most (default: the directory's own, `directory.profile`; Cognito's is 10). */
  requestsPerSecond?: number;
  /** Where the run's lines go (pino's logger fits); nowhere by default. Secrets are scrubbed from every line. */
  logger?: SeedLogger;
  /** Name users by a redacted email (`a***@example.org`) in logs and the report (default true). */
  redactEmails?: boolean;
  /** How long the transaction may take, waiting for the seed's lock included (default 120 s). */
  transactionTimeoutMs?: number;
  /** Told how far resolution has come; stopped when it ends. */
  progress?: Progress;
  /** For the command: when its run began and the code it loaded, so the report's timings cover the whole run. */
  clock?: RunClock;
}

export interface RunClock {
  now: () => number;
  /** On `now`'s scale. */
  startedAt: number;
  /** Code loaded before the run began (Node, TypeScript, the modules imported at once). */
  startupMs: number;
  /** Code loaded during the run before this call (the AWS SDK and Prisma's client, imported once input was valid). */
  loadingMs: number;
}

/** A run's report, and the error it stopped on if it did: the command writes the report either way. */
export interface SeedOutcome {
  report: SeedReport;
  failure?: FlipDbError;
}

/** Phase times, kept as each phase ends, so that a run that stops reports them too. */
class PhaseTimer {
  private readonly phases = { cognitoMs: 0, databaseMs: 0 };
  private loadingMs: number;

  constructor(private readonly clock: RunClock) {
    this.loadingMs = clock.loadingMs;
  }

  async phase<T>(name: keyof PhaseTimer["phases"], work: () => Promise<T>): Promise<T> {
    const started = this.clock.now();
    try {
      return await work();
    } finally {
      this.phases[name] = Math.round(this.clock.now() - started);
    }
  }

  /** Code loading that happens during the run: kept apart from the seed's own work. */
  async loading<T>(work: () => Promise<T>): Promise<T> {
    const started = this.clock.now();
    try {
      return await work();
    } finally {
      this.loadingMs += this.clock.now() - started;
    }
  }

  elapsedMs(): number {
    return Math.round(this.clock.now() - this.clock.startedAt);
  }

  timings(): Timings {
    return {
      startupMs: Math.round(this.clock.startupMs),
      loadingMs: Math.round(this.loadingMs),
      ...this.phases,
      workMs: Math.round(this.clock.now() - this.clock.startedAt - this.loadingMs),
    };
  }
}

function skippedUsers(resolutions: readonly Resolution[], redact: boolean): string[] {
  return resolutions
    .filter(({ lookup }) => lookup.status !== "resolved")
    .map(({ user, lookup }) => `${redact ? redactEmail(user.email) : user.email} (${lookup.status})`);
}

/** With `strict`, a skipped user stops the run before the database is opened. */
function refuseSkips(resolutions: readonly Resolution[], redact: boolean): void {
  const skipped = skippedUsers(resolutions, redact);
  if (skipped.length > 0) {
    throw new StrictModeError([`--strict: ${skipped.length} user(s) skipped, nothing written: ${skipped.join(", ")}`]);
  }
}

/** Prisma compiles its WebAssembly query compiler on connect, which is code loading; a failure is the database's. */
async function connect(db: FlipDatabase): Promise<void> {
  try {
    await db.$connect();
  } catch (error) {
    throw toDatabaseError(error, databaseUrlOf(db));
  }
}

async function apply(db: FlipDatabase, resolutions: readonly Resolution[], options: SeedOptions): Promise<ApplyResult> {
  try {
    return await applySeed(db, resolutions, {
      dryRun: options.dryRun ?? false,
      timeoutMs: options.transactionTimeoutMs ?? SEED_DEFAULTS.transactionTimeoutMs,
    });
  } catch (error) {
    // The planner's own findings (a role stored under a foreign id, say) are already in the seed's words.
    throw error instanceof FlipDbError ? error : toDatabaseError(error, databaseUrlOf(db));
  }
}

function logFailure(logger: SeedLogger, report: SeedReport, failure: FlipDbError): void {
  // Who was skipped matters most when strict mode stops the run; the lookups are known by then.
  for (const user of report.users) if (user.outcome !== "resolved") logUser(logger, user);
  for (const problem of failure.problems) logger.fatal({ code: failure.code }, problem);
  if (failure instanceof UnexpectedError) {
    logger.debug({ stack: (failure.cause as Error | undefined)?.stack }, "stack of the unexpected error");
  }
}

/** What a run's phases share and never change: its collaborators and settings. */
interface RunContext {
  db: FlipDatabase;
  options: SeedOptions;
  logger: SeedLogger;
  timer: PhaseTimer;
}

/** The run so far: each phase takes it and returns the next, its failure carried rather than thrown. */
interface RunState {
  entries?: readonly ManifestEntry[];
  resolution?: ResolveResult;
  applied?: ApplyResult;
  failure?: FlipDbError;
}

type Phase = (run: RunState, context: RunContext) => RunState | Promise<RunState>;

/** Holds the users to the manifest's rules before anything is contacted. */
const validate: Phase = (run, { options, logger }) => {
  const entries = validateEntries(options.users, "seedMainUsers");
  logger.debug({ users: entries.length }, "manifest valid");
  return { ...run, entries };
};

/** Looks every user up in the directory, with no database connection open meanwhile. */
const resolve: Phase = async (run, { options, logger, timer }) => {
  const resolution = await timer.phase("cognitoMs", () =>
    resolveAll(options.directory, run.entries ?? [], {
      requestsPerSecond: options.requestsPerSecond,
      strategy: options.lookup ?? SEED_DEFAULTS.lookup,
      onChoice: (choice) => logger.info({ lookup: choice }, `${options.directory.profile.name} lookup: ${choice.reason}`),
      onProgress: (done, total, unit) => options.progress?.update(done, total, unit),
    }).finally(() => options.progress?.stop()),
  );
  return { ...run, resolution };
};

/** With `strict`, a skipped user stops the run before the database is opened. */
const refuseSkipsWhenStrict: Phase = (run, { options }) => {
  if (options.strict) refuseSkips(run.resolution?.resolutions ?? [], options.redactEmails ?? true);
  return run;
};

const connectToDatabase: Phase = async (run, { db, options, logger, timer }) => {
  await timer.loading(() => connect(db));
  const resolutions = run.resolution?.resolutions ?? [];
  const resolved = resolutions.filter(({ lookup }) => lookup.status === "resolved").length;
  logger.info(
    { resolved, skipped: resolutions.length - resolved, dryRun: options.dryRun ?? false },
    `${resolved} of ${resolutions.length} users resolved in Cognito; ${options.dryRun ? "planning (dry run)" : "applying in one transaction"}`,
  );
  return run;
};

const applyInOneTransaction: Phase = async (run, { db, options, timer }) => {
  const applied = await timer.phase("databaseMs", () => apply(db, run.resolution?.resolutions ?? [], options));
  return { ...run, applied };
};

/** The run's phases, in order; a phase runs only while the run has no failure. */
const PHASES: readonly Phase[] = [validate, resolve, refuseSkipsWhenStrict, connectToDatabase, applyInOneTransaction];

async function runPhases(context: RunContext): Promise<RunState> {
  let run: RunState = {};
  for (const phase of PHASES) {
    // A phase that throws, at once or later, ends the run with that failure.
    run = await Promise.resolve(run)
      .then((current) => phase(current, context))
      .catch((error: unknown) => ({ ...run, failure: UnexpectedError.wrap(error) }));
    if (run.failure) break;
  }
  return run;
}

/**
 * The whole run, its failure carried in the outcome rather than thrown, so
 * that the report is written whatever happened. {@link seedMainUsers} is the
 * throwing form.
 */
export async function runSeed(db: FlipDatabase, options: SeedOptions): Promise<SeedOutcome> {
  const now = options.clock?.now ?? (() => performance.now());
  const timer = new PhaseTimer(options.clock ?? { now, startedAt: now(), startupMs: 0, loadingMs: 0 });
  const logger = scrubbingLogger(options.logger ?? SILENT_LOGGER, createScrubber(secretsFromEnvironment(process.env)));
  const startedAt = new Date(Date.now() - timer.elapsedMs());
  const { resolution, applied, failure } = await runPhases({ db, options, logger, timer });
  const report = buildReport({
    dryRun: options.dryRun ?? false,
    strict: options.strict ?? false,
    startedAt,
    durationMs: timer.elapsedMs(),
    timings: timer.timings(),
    redactEmails: options.redactEmails ?? true,
    resolution,
    applied,
    failure,
  });
  if (failure) logFailure(logger, report, failure);
  else logReport(logger, report);
  return failure ? { report, failure } : { report };
}

/**
 * Seeds the well-known users: FLIP's `seed_main_users`. Resolves to the run's
 * report, skipped users included; throws the seed's error (a `FlipDbError`, with
 * `code` and `problems`) where the command would exit 1: a bad entry, a fatal
 * directory error, a database failure, or `strict` with skipped users.
 * Nothing is written when it throws.
 */
export async function seedMainUsers(db: FlipDatabase, options: SeedOptions): Promise<SeedReport> {
  const { report, failure } = await runSeed(db, options);
  if (failure) throw failure;
  return report;
}
