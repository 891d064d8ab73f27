/**
 * The doctor's checklist: what a boot needs, checked in order, each check
 * saying what it found or what to fix. Every check is a function of the
 * configuration and of injected I/O (`DoctorDependencies`), so tests run the
 * whole list with fakes; `probes.ts` holds the real I/O.
 */
import { FatalDirectoryError } from "../directory/FatalDirectoryError.js";
import type { IdentityDirectory } from "../directory/identity-directory.js";
import { TransientDirectoryError } from "../directory/TransientDirectoryError.js";
import type { ManifestEntry } from "../manifest/index.js";
import { ManifestError } from "../manifest/ManifestError.js";
import { compareMigrations, listNames, type MigrationRecord } from "../migrations/history.js";
import { ConfigError } from "../shared/config/ConfigError.js";
import {
  DEFAULT_USERS_FILE,
  migrationUrl,
  readEnvironment,
  type MigrationUrlVariable,
  type SeedEnvironment,
} from "../shared/config/environment.js";
import { errorCode } from "../shared/errors.js";
import { isNoSuchTable } from "../shared/postgres/error-codes.js";
import { locateDatabase } from "../shared/postgres/location.js";
import { transactionPoolerProblem, type PoolerVerdict } from "../shared/postgres/transaction-pooler.js";
import { ROLE_NAMES } from "../shared/roles.js";
import { plural } from "../shared/words.js";
import { describeDatabaseFailure } from "./database-failure.js";
import type { KeycloakCheckName } from "./keycloak-checks.js";

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  status: CheckStatus;
  /** What the check found, or what to fix. One line; the formatter scrubs it. */
  detail: string;
}

export interface NamedResult extends CheckResult {
  name: CheckName;
}

export const CHECK_NAMES = [
  "configuration",
  "manifest",
  "database reachable",
  "direct connection",
  "migrations",
  "Cognito user pool",
  "Cognito lookups",
] as const;
/** The checks of a boot on Cognito (the default); one on Keycloak runs the first five and keycloak-checks.ts's. */
export type CheckName = (typeof CHECK_NAMES)[number] | KeycloakCheckName;

/** The database as the probes need it. */
export interface DatabaseTarget {
  url: string;
  /** The variable the URL came from, for messages. */
  variable: MigrationUrlVariable;
  /** `host:port`, for messages; never holds credentials. */
  location: string;
  database: string;
  /** Where `_prisma_migrations` lives: Prisma's `?schema=`, else `public`. */
  schema: string;
  connectTimeoutMs: number;
}

/** The user pool as the doctor opens it: the seed's client settings. */
export interface CognitoTarget {
  region: string;
  userPoolId: string;
  /** The directory's own defaults when unset. */
  connectTimeoutMs: number | undefined;
  requestTimeoutMs: number | undefined;
}

/** Everything the checks read or ask of the outside world. */
export interface DoctorDependencies {
  loadManifest(path: string): Promise<readonly ManifestEntry[]>;
  /** Connects, runs `SELECT 1` and disconnects; rejects with the driver's error. */
  pingDatabase(target: DatabaseTarget): Promise<{ serverVersion: string }>;
  /** Whether the target goes through a transaction-mode pooler; rejects with pg's error. */
  probeTransactionPooler(target: DatabaseTarget): Promise<PoolerVerdict>;
  /** Every row of `_prisma_migrations` in the target's schema; rejects with pg's error (42P01: no such table). */
  readMigrationHistory(target: DatabaseTarget): Promise<readonly MigrationRecord[]>;
  /** The names of the migration directories this package ships (prisma/migrations). */
  listMigrations(): Promise<readonly string[]>;
  /** The seed's own directory on the seed's client settings; the check that opens it closes it. */
  openDirectory(target: CognitoTarget): Promise<DoctorDirectory>;
}

/** What the doctor asks of the directory: what it says of itself, and one lookup. */
export type DoctorDirectory = Pick<IdentityDirectory, "describe" | "lookup"> & { close(): void };

/**
 * The lookup the doctor makes: an address no account can have (`.invalid`,
 * RFC 2606), so the call needs exactly the seed's permission and reads no one.
 */
export const NOBODY = "flip-db-doctor@example.invalid";

export interface CheckContext {
  env: NodeJS.ProcessEnv;
  /** `--users`, which overrides SEED_USERS_FILE. */
  usersFile: string | undefined;
  /** The valid configuration; only checks that list "configuration" in `needs` read it. */
  config: SeedEnvironment | undefined;
  deps: DoctorDependencies;
}

export interface Check {
  name: CheckName;
  /** Earlier checks that must have passed; when one has not, this one is skipped and says which. */
  needs: readonly CheckName[];
  /** Checks that read only the environment answer at once; the others, once their probe has. */
  run(context: CheckContext): CheckResult | Promise<CheckResult>;
}

/** How long the doctor waits for PostgreSQL unless SEED_DATABASE_CONNECT_TIMEOUT_MS says otherwise. */
const DOCTOR_CONNECT_TIMEOUT_MS = 5_000;
/** How many of a long list of problems one line shows. */
const PROBLEMS_SHOWN = 3;

const pass = (detail: string): CheckResult => ({ status: "pass", detail });
const fail = (detail: string): CheckResult => ({ status: "fail", detail });

function configured(context: CheckContext): SeedEnvironment {
  if (context.config === undefined) throw new Error("a check that needs the configuration ran without it");
  return context.config;
}

function someProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, PROBLEMS_SHOWN).join("; ");
  return problems.length > PROBLEMS_SHOWN ? `${shown}; and ${plural(problems.length - PROBLEMS_SHOWN, "more problem")}` : shown;
}

function target(url: string, variable: DatabaseTarget["variable"], config: SeedEnvironment): DatabaseTarget {
  const parsed = locateDatabase(url);
  return {
    url,
    variable,
    location: parsed.location,
    database: parsed.database,
    schema: parsed.schema,
    // The seed waits 10 s by default; a diagnosis should not, unless the operator asked for a longer wait.
    connectTimeoutMs: config.database.connectTimeoutMs ?? DOCTOR_CONNECT_TIMEOUT_MS,
  };
}

/** DATABASE_URL: what the seed uses. */
function databaseTarget(config: SeedEnvironment): DatabaseTarget {
  return target(config.databaseUrl, "DATABASE_URL", config);
}

/** What migrations use: DIRECT_URL when it is set, DATABASE_URL otherwise. */
function migrationTarget(config: SeedEnvironment): DatabaseTarget {
  const { url, variable } = migrationUrl(config);
  return target(url, variable, config);
}

function cognitoTarget(config: SeedEnvironment): CognitoTarget {
  if (config.keycloak !== undefined) throw new Error("a Cognito check ran with IDENTITY_PROVIDER=keycloak");
  const { connectTimeoutMs, requestTimeoutMs } = config.cognito;
  return { region: config.region, userPoolId: config.userPoolId, connectTimeoutMs, requestTimeoutMs };
}

/** The identity provider's part of the configuration line. */
function identityLine(config: SeedEnvironment): string {
  if (config.keycloak === undefined) return `user pool ${config.userPoolId} in ${config.region}`;
  const { realm, baseUrl, clientId } = config.keycloak;
  return `Keycloak realm ${realm} at ${new URL(baseUrl).origin}, client ${clientId}`;
}

/**
 * A directory's failure as a check's result, worded by the directory itself
 * (its FatalDirectoryError's or TransientDirectoryError's reason), prefixed
 * with the action whose permission is in question when there is one; a
 * transient one says to try again and what this host must reach. Anything
 * else is a bug, thrown on.
 */
export function directoryFailure(error: unknown, reach: string, action?: string): CheckResult {
  const prefix = action === undefined ? "" : `${action}: `;
  if (error instanceof TransientDirectoryError) {
    return fail(`${prefix}${error.reason}: try again; if it persists, check that this host can reach ${reach}`);
  }
  if (error instanceof FatalDirectoryError) return fail(`${prefix}${error.reason}`);
  throw error;
}

/**
 * Runs `probe` on the directory, opened for it and closed after. A failure is
 * worded by the directory itself (its FatalDirectoryError's or
 * TransientDirectoryError's reason), prefixed with the action whose permission
 * is in question; anything else it throws is a bug, reported as one.
 */
async function probeDirectory(
  context: CheckContext,
  action: string,
  probe: (directory: DoctorDirectory) => Promise<CheckResult>,
): Promise<CheckResult> {
  const target = cognitoTarget(configured(context));
  let directory: DoctorDirectory | undefined;
  try {
    directory = await context.deps.openDirectory(target);
    return await probe(directory);
  } catch (error) {
    return directoryFailure(error, `Cognito in ${target.region}`, action);
  } finally {
    directory?.close();
  }
}

/** The migrations check's verdict on a history it could read: what failed, what is pending, what it does not know. */
function judgeHistory(shipped: readonly string[], records: readonly MigrationRecord[]): CheckResult {
  const status = compareMigrations(shipped, records);
  const problems: string[] = [];
  if (status.failed.length > 0) {
    const first = status.failed[0]!;
    problems.push(
      `${listNames(status.failed)} failed to apply: fix the cause (the logs column of _prisma_migrations says it), ` +
        `then run npx prisma migrate resolve --rolled-back ${first} and npx prisma migrate deploy ` +
        `(or npx prisma migrate resolve --applied ${first} if you finished it by hand)`,
    );
  }
  if (status.pending.length > 0) {
    problems.push(
      `${status.pending.length} of ${shipped.length} not applied (${listNames(status.pending)}): run npx prisma migrate deploy`,
    );
  }
  if (status.unknown.length > 0) {
    problems.push(
      `the database has ${plural(status.unknown.length, "migration")} this package does not ship (${listNames(status.unknown)}): ` +
        "the database is ahead of this version of flip-db: deploy the version that ships them",
    );
  }
  if (problems.length > 0) return fail(problems.join("; "));
  if (shipped.length === 0) return pass("no migrations to apply");
  return pass(`${status.applied.length} of ${shipped.length} applied, the latest ${status.applied.at(-1)!}`);
}

export const CHECKS: readonly Check[] = [
  {
    name: "configuration",
    needs: [],
    run({ env }) {
      try {
        const config = readEnvironment(env);
        const { location, database } = locateDatabase(config.databaseUrl);
        const direct = config.directUrl === undefined ? "" : ` (migrations: DIRECT_URL, ${locateDatabase(config.directUrl).location})`;
        return pass(`database ${database} at ${location}${direct}; ${identityLine(config)}`);
      } catch (error) {
        if (error instanceof ConfigError) return fail(error.problems.join("; "));
        throw error;
      }
    },
  },
  {
    name: "manifest",
    needs: [],
    async run({ env, usersFile, deps }) {
      const path = usersFile ?? (env.SEED_USERS_FILE || DEFAULT_USERS_FILE);
      try {
        const users = await deps.loadManifest(path);
        const roles = ROLE_NAMES.map((role) => [role, users.filter((user) => user.role === role).length] as const)
          .filter(([, count]) => count > 0)
          .map(([role, count]) => `${count} ${role}`);
        return pass(`${plural(users.length, "user")} in ${path} (${roles.join(", ")})`);
      } catch (error) {
        // Each problem already names the manifest ("manifest <file>: ..."); the check's name says it once.
        if (error instanceof ManifestError) return fail(someProblems(error.problems.map((problem) => problem.replace(/^manifest /, ""))));
        throw error;
      }
    },
  },
  {
    name: "database reachable",
    needs: ["configuration"],
    async run(context) {
      const config = configured(context);
      const target = databaseTarget(config);
      try {
        const { serverVersion } = await context.deps.pingDatabase(target);
        return pass(`PostgreSQL ${serverVersion} at ${target.location}, database ${target.database}`);
      } catch (error) {
        return fail(describeDatabaseFailure(error, target.location));
      }
    },
  },
  {
    name: "direct connection",
    needs: ["configuration", "database reachable"],
    async run(context) {
      const target = migrationTarget(configured(context));
      let verdict: PoolerVerdict;
      try {
        verdict = await context.deps.probeTransactionPooler(target);
      } catch (error) {
        return fail(describeDatabaseFailure(error, target.location, target.variable));
      }
      if (verdict.transactionPooler) return fail(transactionPoolerProblem(target.variable, target.location, verdict.evidence));
      return pass(
        target.variable === "DIRECT_URL"
          ? `migrations use DIRECT_URL, database ${target.database} at ${target.location}: one session per connection, no transaction-mode pooler`
          : "migrations use DATABASE_URL (DIRECT_URL is not set): one session per connection, no transaction-mode pooler",
      );
    },
  },
  {
    name: "migrations",
    needs: ["configuration", "direct connection"],
    async run(context) {
      const config = configured(context);
      const target = migrationTarget(config);
      let shipped: readonly string[];
      try {
        shipped = await context.deps.listMigrations();
      } catch (error) {
        const why = errorCode(error) ?? (error as Error).message;
        return fail(`cannot read this package's prisma/migrations (${why}): reinstall the package`);
      }
      let records: readonly MigrationRecord[];
      try {
        records = await context.deps.readMigrationHistory(target);
      } catch (error) {
        if (!isNoSuchTable(errorCode(error))) return fail(describeDatabaseFailure(error, target.location, target.variable));
        if (shipped.length === 0) return pass("no migrations to apply");
        return fail(
          `no migration applied (no _prisma_migrations table in schema ${target.schema} of database ${target.database}); ` +
            `${plural(shipped.length, "migration")} pending: run npx prisma migrate deploy`,
        );
      }
      return judgeHistory(shipped, records);
    },
  },
  {
    name: "Cognito user pool",
    needs: ["configuration"],
    run(context) {
      const { userPoolId, region } = configured(context);
      return probeDirectory(context, "DescribeUserPool", async (directory) => {
        const pool = await directory.describe();
        const name = pool.name === undefined ? "" : ` ("${pool.name}")`;
        const size = pool.estimatedSize === undefined ? "" : `, about ${plural(pool.estimatedSize, "user")}`;
        return pass(`${userPoolId}${name} in ${region}${size}`);
      });
    },
  },
  {
    name: "Cognito lookups",
    needs: ["configuration"],
    run(context) {
      return probeDirectory(context, "ListUsers", async (directory) => {
        await directory.lookup(NOBODY);
        return pass(`the credentials may call ListUsers on ${configured(context).userPoolId}`);
      });
    },
  },
];

function configurationOf(env: NodeJS.ProcessEnv): SeedEnvironment | undefined {
  try {
    return readEnvironment(env);
  } catch {
    return undefined;
  }
}

/**
 * Runs `checks` in order and reports each result as it comes (`onResult`), so
 * an operator watching a slow check sees the ones before it. A check that
 * throws is a bug, reported as a failure with its message, never a stack.
 */
export async function runChecklist(
  input: Omit<CheckContext, "config">,
  onResult: (result: NamedResult) => void = () => {},
  checks: readonly Check[] = CHECKS,
): Promise<NamedResult[]> {
  const context: CheckContext = { ...input, config: configurationOf(input.env) };
  const results: NamedResult[] = [];
  for (const check of checks) {
    const blocker = check.needs.find((name) => results.find((result) => result.name === name)?.status !== "pass");
    let result: CheckResult;
    if (blocker !== undefined) {
      result = { status: "skip", detail: `skipped (needs ${blocker})` };
    } else {
      try {
        result = await check.run(context);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        result = fail(`unexpected error (${message.split("\n")[0] ?? ""}): this is a bug`);
      }
    }
    const named = { name: check.name, ...result };
    results.push(named);
    onResult(named);
  }
  return results;
}
