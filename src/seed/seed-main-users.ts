/**
 * The seed as a function, FLIP's `seed_main_users`: validate the users,
 * resolve them in the directory (no database connection open meanwhile),
 * apply everything in one transaction, report. `npx prisma db seed` runs
 * exactly this; the command adds only what belongs to a command line.
 */
import type { FlipDatabase } from "../database/client.js";
import { toDatabaseError } from "../database/errors.js";
import type { IdentityDirectory } from "../directory/identity-directory.js";
import { validateEntries } from "../manifest/entries.js";
import type { ManifestEntry } from "../manifest/schema.js";
import { FlipDbError, UnexpectedError } from "../shared/errors.js";
import { createScrubber, emailForLog, scrubbingLogger, SILENT_LOGGER, type SeedLogger } from "../shared/logging.js";
import { plural } from "../shared/words.js";
import { applySeed, type ApplyResult } from "./apply.js";
import { clearRunEntries, measured, MEASURES } from "./instrumentation.js";
import type { Progress } from "./progress.js";
import { buildReport, logOutcome, type RunRecord, type SeedReport } from "./report.js";
import { resolveAll, type Resolution, type ResolveResult } from "./resolve/resolve.js";
import { refuseUnworthyScan, type StrategyRequest } from "./strategy.js";
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
  /**
   * `auto` (default): whichever needs fewer directory calls. `scan` of a
   * directory whose profile says a scan is never worth it (Keycloak) is
   * refused with a UsageError.
   */
  lookup?: StrategyRequest;
  /** Directory calls started per second, at most (default: the directory's own, `directory.profile`; Cognito's is 10). */
  requestsPerSecond?: number;
  /** Where the run's lines go (pino's logger fits); nowhere by default. Secrets are scrubbed from every line. */
  logger?: SeedLogger;
  /**
   * More strings never to log, beside the password of the database's URL
   * (scrubbed without asking): the directory's credentials, say, where the
   * caller holds them.
   */
  secrets?: readonly string[];
  /** Name users by a redacted email (`a***@example.org`) in logs and the report (default true). */
  redactEmails?: boolean;
  /** How long the transaction may take, waiting for the seed's lock included (default 120 s). */
  transactionTimeoutMs?: number;
}

/** What the command adds to a run, beyond a library caller's options; not part of the library. */
export interface RunSettings {
  /** The run's logger, every line already scrubbed (once: the command's logger scrubs as it writes). */
  logger: SeedLogger;
  /** Told how far resolution has come; stopped when it ends. */
  progress?: Progress | undefined;
}

/** `users[2] a***@example.org (transient)` for each skipped user: the manifest position names the user without the email. */
function skippedUsers(resolutions: readonly Resolution[], redact: boolean): string[] {
  return resolutions.flatMap(({ user, lookup }, entry) =>
    lookup.status === "resolved" ? [] : [`users[${entry}] ${emailForLog(user.email, redact)} (${lookup.status})`],
  );
}

/** With `strict`, a skipped user stops the run before the database is opened. */
function refuseSkips(resolutions: readonly Resolution[], redact: boolean): void {
  const skipped = skippedUsers(resolutions, redact);
  if (skipped.length > 0) {
    throw new StrictModeError([`--strict: ${plural(skipped.length, "user")} skipped, nothing written: ${skipped.join(", ")}`]);
  }
}

/** Prisma compiles its WebAssembly query compiler on connect, which is code loading; a failure is the database's. */
async function connect(db: FlipDatabase): Promise<void> {
  try {
    await db.$connect();
  } catch (error) {
    throw toDatabaseError(error, db.connection.location);
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
    throw error instanceof FlipDbError ? error : toDatabaseError(error, db.connection.location);
  }
}

/** What a run's phases share and never change: its collaborators and settings. */
interface RunContext {
  db: FlipDatabase;
  options: SeedOptions;
  logger: SeedLogger;
  progress?: Progress | undefined;
}

/** The run so far: each phase takes it and returns the next, its failure carried rather than thrown. */
interface RunState {
  entries?: readonly ManifestEntry[];
  resolution?: ResolveResult;
  applied?: ApplyResult;
  failure?: FlipDbError;
}

type Phase = (run: RunState, context: RunContext) => RunState | Promise<RunState>;

/** Holds the users to the manifest's rules, and the lookup asked for to the directory's profile, before anything is contacted. */
const validate: Phase = (run, { options, logger }) => {
  const entries = validateEntries(options.users, "seedMainUsers");
  refuseUnworthyScan(options.lookup ?? SEED_DEFAULTS.lookup, options.directory.profile);
  logger.debug({ users: entries.length }, "manifest valid");
  return { ...run, entries };
};

/** Looks every user up in the directory, with no database connection open meanwhile. */
const resolve: Phase = async (run, { options, logger, progress }) => {
  const resolution = await measured(MEASURES.resolve, () =>
    resolveAll(options.directory, run.entries ?? [], {
      requestsPerSecond: options.requestsPerSecond,
      strategy: options.lookup ?? SEED_DEFAULTS.lookup,
      onChoice: (choice) => logger.info({ lookup: choice }, `${options.directory.profile.name} lookup: ${choice.reason}`),
      onProgress: (done, total, unit) => progress?.update(done, total, unit),
    }).finally(() => progress?.stop()),
  );
  return { ...run, resolution };
};

/** With `strict`, a skipped user stops the run before the database is opened. */
const refuseSkipsWhenStrict: Phase = (run, { options }) => {
  if (options.strict) refuseSkips(run.resolution?.resolutions ?? [], options.redactEmails ?? true);
  return run;
};

const connectToDatabase: Phase = async (run, { db, options, logger }) => {
  await measured(MEASURES.connect, () => connect(db));
  const resolutions = run.resolution?.resolutions ?? [];
  const resolved = resolutions.filter(({ lookup }) => lookup.status === "resolved").length;
  logger.info(
    { resolved, skipped: resolutions.length - resolved, dryRun: options.dryRun ?? false },
    `${resolved} of ${resolutions.length} users resolved in ${options.directory.profile.name}; ${options.dryRun ? "planning (dry run)" : "applying in one transaction"}`,
  );
  return run;
};

const applyInOneTransaction: Phase = async (run, { db, options }) => {
  const applied = await measured(MEASURES.apply, () => apply(db, run.resolution?.resolutions ?? [], options));
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
 * The whole run, its failure carried in the record rather than thrown, so that
 * the command can report whatever happened; not part of the library, whose
 * callers use {@link seedMainUsers}. The run's measures stay on the timeline for
 * the caller to read and clear.
 */
export async function runSeed(db: FlipDatabase, options: SeedOptions, settings: RunSettings): Promise<RunRecord> {
  const startedAt = new Date();
  const started = performance.now();
  const { resolution, applied, failure } = await runPhases({ db, options, ...settings });
  return {
    dryRun: options.dryRun ?? false,
    strict: options.strict ?? false,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    redactEmails: options.redactEmails ?? true,
    ...(resolution && { resolution }),
    ...(applied && { applied }),
    ...(failure && { failure }),
  };
}

/**
 * {@link seedMainUsers}, with the run's record beside its report (for
 * `ensureUserAndRole`, which reads the user's `sub` from it); not part of the library.
 */
export async function seedWithRecord(db: FlipDatabase, options: SeedOptions): Promise<{ report: SeedReport; run: RunRecord }> {
  const scrub = createScrubber([...db.connection.secrets, ...(options.secrets ?? [])]);
  const logger = scrubbingLogger(options.logger ?? SILENT_LOGGER, scrub);
  try {
    const run = await runSeed(db, options, { logger });
    const report = buildReport(run);
    logOutcome(logger, report, run.failure);
    if (run.failure) throw run.failure;
    return { report, run };
  } finally {
    clearRunEntries();
  }
}

/**
 * Seeds the well-known users: FLIP's `seed_main_users`. Resolves to the run's
 * report, skipped users included; throws the seed's error (a `FlipDbError`, with
 * `code` and `problems`) where the command would exit 1: a bad entry, a fatal
 * directory error, a database failure, or `strict` with skipped users.
 * Nothing is written when it throws. Its lines go to `options.logger`, the
 * database URL's password and `options.secrets` scrubbed from each.
 */
export async function seedMainUsers(db: FlipDatabase, options: SeedOptions): Promise<SeedReport> {
  return (await seedWithRecord(db, options)).report;
}
