/**
 * The run report: counts per outcome and one line per user, logged at the end
 * of every run and, with --report, written as JSON. Staff emails are personal
 * data, so they appear redacted (`a***@example.org`) unless redaction is off.
 */
import type { LookupStatus } from "../directory/identity-directory.js";
import { UnexpectedError, type ErrorCode, type FlipDbError } from "../shared/errors.js";
import { emailForLog, type SeedLogger } from "../shared/logging.js";
import type { RoleName } from "../shared/roles.js";
import { plural } from "../shared/words.js";
import type { ApplyResult } from "./apply.js";
import {
  plannedWrites,
  totalWrites,
  type GrantDecision,
  type GrantWarning,
  type ProfileChange,
  type UserPlan,
  type WriteCounts,
} from "./plan.js";
import type { ResolveResult } from "./resolve/resolve.js";
import type { LookupStrategy } from "./strategy.js";

export interface UserReport {
  /** The user's position in the manifest (`users[entry]`): names the user in logs without the email. */
  entry: number;
  email: string;
  role: RoleName;
  outcome: LookupStatus;
  /** Why a user was skipped. */
  reason?: string;
  profile?: ProfileChange;
  grant?: GrantDecision;
  /** For a resolved user: how many trust-scoped roles the user holds (a count; trusts are never named). */
  trustScopedRoles?: number;
  /** For a resolved user: the global roles the user held before this run, by name. */
  heldRoles?: string[];
  /** Something about the user's roles the operator should look at (see `GrantWarning`). */
  warning?: GrantWarning;
}

/**
 * How the run went for the manifest's users: `all_resolved`; `some_skipped`
 * (the summary is a warning); `directory_unreachable`, every user skipped for a
 * transient reason (the summary is an error; the exit code stays 0 unless
 * `--strict`, so that a boot never hangs on the directory).
 */
export type SeedSummary = "all_resolved" | "some_skipped" | "directory_unreachable";

export interface SeedReport {
  /** `ok`, or the code of the error the run stopped on (USAGE, CONFIG_INVALID, DIRECTORY_FATAL, ...). */
  status: "ok" | ErrorCode;
  /** How the run went for the users (see `SeedSummary`). */
  summary: SeedSummary;
  /** The directory the users were looked up in (`Cognito`, `Keycloak`); absent when the run stopped before. */
  directory?: string;
  problems: string[];
  dryRun: boolean;
  strict: boolean;
  startedAt: string;
  durationMs: number;
  counts: Record<LookupStatus, number>;
  /** What the plan called for; in a dry run nothing of it was written. */
  planned?: WriteCounts;
  written?: WriteCounts;
  /** How users were looked up in the directory, and how many calls that took. */
  lookup?: { strategy: LookupStrategy; reason: string; calls: number; throttleRetries: number };
  users: UserReport[];
}

function reasonOf(user: UserPlan, directoryName: string): string | undefined {
  const { lookup } = user;
  switch (lookup.status) {
    case "not_found":
      return `no ${directoryName} account has this email`;
    case "ineligible":
      return lookup.reason;
    case "ambiguous":
      return `${lookup.matches} enabled, verified accounts have this email`;
    case "transient":
      return lookup.reason;
    default:
      return undefined;
  }
}

/** One report line per user; works on bare lookups too (before anything was planned). */
function userReports(users: readonly UserPlan[], redact: boolean, directoryName: string): UserReport[] {
  return users.map((planned, entry) => {
    const reason = reasonOf(planned, directoryName);
    return {
      entry,
      email: emailForLog(planned.user.email, redact),
      role: planned.user.role,
      outcome: planned.lookup.status,
      ...(reason === undefined ? {} : { reason }),
      ...(planned.profile === undefined
        ? {}
        : { profile: planned.profile, grant: planned.grant, trustScopedRoles: planned.trustScopedRoles, heldRoles: planned.heldRoles }),
      ...(planned.warning === undefined ? {} : { warning: planned.warning }),
    };
  });
}

export function countOutcomes(users: readonly { outcome: LookupStatus }[]): Record<LookupStatus, number> {
  const counts: Record<LookupStatus, number> = { resolved: 0, not_found: 0, ineligible: 0, ambiguous: 0, transient: 0 };
  for (const user of users) counts[user.outcome] += 1;
  return counts;
}

/** What was done for a user, and (in a dry run) what would be. */
const WORDS = {
  done: {
    profile: { create: "profile created", update: "profile updated", unchanged: "profile unchanged" },
    grant: {
      grant: "role granted",
      adopt: "already holds a global role; bootstrap recorded",
      keep: "role bootstrapped before; left as is",
    },
    recorded: "bootstrap recorded",
  },
  dryRun: {
    profile: { create: "profile would be created", update: "profile would be updated", unchanged: "profile unchanged" },
    grant: {
      grant: "role would be granted",
      adopt: "already holds a global role; bootstrap would be recorded",
      keep: "role bootstrapped before; left as is",
    },
    recorded: "bootstrap would be recorded",
  },
} as const;

/** `; holds 2 trust-scoped roles`, for a user who holds any. */
function trustScopedWords(count: number | undefined): string {
  if (!count) return "";
  return `; holds ${plural(count, "trust-scoped role")}`;
}

/** What a user with a `trust_only_bootstrap` warning should have the operator do. */
function trustOnlyBootstrapWords(role: string): string {
  return (
    "bootstrapped before, yet holds no global role, only trust-scoped roles older than that record: a 0.1.0 replica " +
    "may have taken those for a platform role and recorded the bootstrap without granting one, or an admin removed " +
    `the role since; nothing granted. To give the user ${role}, grant it by hand, or delete the user's seed_grant row ` +
    "and the next boot grants it"
  );
}

/** What a user with a `role_differs` warning holds, what the manifest says, and how to change it. */
function roleDiffersWords(held: readonly string[] | undefined, role: string): string {
  const holds = held?.length ? `holds ${held.join(" and ")}` : "holds no global role";
  return (
    `${holds}, not the manifest's ${role}: the manifest's role is granted once, at bootstrap, and an admin's change ` +
    `stands; to give the user ${role}, grant it in the platform`
  );
}

/** One line for one user: a skip is a warning, an ambiguous account an error, a resolved user with a warning a warning. */
export function logUser(logger: SeedLogger, user: UserReport, dryRun = false): void {
  const words = dryRun ? WORDS.dryRun : WORDS.done;
  const fields = { entry: user.entry, email: user.email, role: user.role, outcome: user.outcome };
  const who = `users[${user.entry}] ${user.email} (${user.role})`;
  if (user.outcome === "resolved") {
    const resolvedFields = {
      ...fields,
      profile: user.profile,
      grant: user.grant,
      trustScopedRoles: user.trustScopedRoles,
      heldRoles: user.heldRoles,
    };
    const profile = words.profile[user.profile ?? "unchanged"];
    if (user.warning === "trust_only_bootstrap") {
      logger.warn({ ...resolvedFields, warning: user.warning }, `${who}: ${profile}; ${trustOnlyBootstrapWords(user.role)}`);
      return;
    }
    if (user.warning === "role_differs") {
      const recorded = user.grant === "adopt" ? `; ${words.recorded}` : "";
      logger.warn(
        { ...resolvedFields, warning: user.warning },
        `${who}: ${profile}${recorded}; ${roleDiffersWords(user.heldRoles, user.role)}${trustScopedWords(user.trustScopedRoles)}`,
      );
      return;
    }
    const grant = user.grant === undefined ? "" : `, ${words.grant[user.grant]}`;
    logger.info(resolvedFields, `${who}: ${profile}${grant}${trustScopedWords(user.trustScopedRoles)}`);
  } else if (user.outcome === "ambiguous") {
    logger.error({ ...fields, reason: user.reason }, `${who}: skipped, ambiguous: ${user.reason}; no grant`);
  } else {
    logger.warn({ ...fields, reason: user.reason }, `${who}: skipped (${user.outcome}): ${user.reason}`);
  }
}

/** Logs one line per user and a summary; `timings`, where the command measured them, go on the summary. */
function logReport(logger: SeedLogger, report: SeedReport & { timings?: object }): void {
  for (const user of report.users) logUser(logger, user, report.dryRun);
  const { counts } = report;
  const skipped = report.users.length - counts.resolved;
  const writes = report.dryRun ? report.planned : report.written;
  const rows = writes === undefined ? 0 : totalWrites(writes);
  const level = SUMMARY_LEVELS[report.summary];
  logger[level](
    {
      counts,
      planned: report.planned,
      written: report.written,
      dryRun: report.dryRun,
      durationMs: report.durationMs,
      lookup: report.lookup,
      timings: report.timings,
    },
    `${report.dryRun ? "dry run: " : ""}${counts.resolved} of ${report.users.length} users seeded, ${skipped} skipped ` +
      `(${counts.not_found} not found, ${counts.ineligible} ineligible, ${counts.ambiguous} ambiguous, ${counts.transient} transient); ` +
      `${plural(rows, "row")} ${report.dryRun ? "would be written" : "written"}${summaryWords(report)}`,
  );
}

const SUMMARY_LEVELS = { all_resolved: "info", some_skipped: "warn", directory_unreachable: "error" } as const;

/** What the summary line adds when users were skipped: where to look, or that the directory was out of reach. */
function summaryWords(report: SeedReport): string {
  if (report.summary === "some_skipped") return "; see the skipped users above";
  if (report.summary === "all_resolved") return "";
  const directory = report.directory ?? "the directory";
  return (
    `; ${directory} was unreachable for every user: the boot goes on without them; check that this host reaches ` +
    `${directory}, then boot again (--strict stops the boot instead)`
  );
}

/** `directory_unreachable` when every user was skipped for a transient reason, `some_skipped` when any was skipped. */
function summaryOf(users: readonly UserReport[]): SeedSummary {
  if (users.length > 0 && users.every((user) => user.outcome === "transient")) return "directory_unreachable";
  return users.some((user) => user.outcome !== "resolved") ? "some_skipped" : "all_resolved";
}

/** Everything a run learned, as far as it got: what the report is built from. */
export interface RunRecord {
  dryRun: boolean;
  strict: boolean;
  startedAt: Date;
  durationMs: number;
  redactEmails: boolean;
  resolution?: ResolveResult;
  applied?: ApplyResult;
  /** What the run stopped on; none for a run that succeeded. */
  failure?: FlipDbError;
}

/** The one place a report is made, for a run that succeeded or one that stopped anywhere. */
export function buildReport(run: RunRecord): SeedReport {
  const { resolution, applied, failure } = run;
  // Users are known once the directory has answered: planned when the run got that far, bare lookups otherwise.
  const users = resolution ? userReports(applied?.plan.users ?? resolution.resolutions, run.redactEmails, resolution.directoryName) : [];
  return {
    status: failure?.code ?? "ok",
    summary: summaryOf(users),
    ...(resolution && { directory: resolution.directoryName }),
    problems: [...(failure?.problems ?? [])],
    dryRun: run.dryRun,
    strict: run.strict,
    startedAt: run.startedAt.toISOString(),
    durationMs: run.durationMs,
    counts: countOutcomes(users),
    ...(applied && { planned: plannedWrites(applied.plan), written: applied.written }),
    ...(resolution && {
      lookup: {
        strategy: resolution.choice.strategy,
        reason: resolution.choice.reason,
        calls: resolution.calls,
        throttleRetries: resolution.throttleRetries,
      },
    }),
    users,
  };
}

/** The run's last lines: the report's, or the users skipped and the failure's problems when it stopped. */
export function logOutcome(logger: SeedLogger, report: SeedReport & { timings?: object }, failure: FlipDbError | undefined): void {
  if (!failure) {
    logReport(logger, report);
    return;
  }
  // Who was skipped matters most when strict mode stops the run; the lookups are known by then.
  for (const user of report.users) if (user.outcome !== "resolved") logUser(logger, user);
  for (const problem of failure.problems) logger.fatal({ code: failure.code }, problem);
  if (failure instanceof UnexpectedError) {
    logger.debug({ stack: (failure.cause as Error | undefined)?.stack }, "stack of the unexpected error");
  }
}
