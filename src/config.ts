/**
 * The seed's configuration: environment variables and command-line flags,
 * validated up front so that a mistake stops the boot before anything is
 * contacted. Cognito's endpoint and credentials are not here: the AWS SDK
 * reads them itself (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
 * AWS_ENDPOINT_URL, the default credential chain).
 */
import { parseArgs } from "node:util";

import { z } from "zod";

import { ConfigError, UsageError } from "./errors/index.js";

export const DEFAULT_USERS_FILE = "prisma/seed-users.json";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function postgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    // A Unix socket is named by `?host=/path` instead of the URL's host.
    const hasHost = url.hostname !== "" || (url.searchParams.get("host") ?? "").startsWith("/");
    return (url.protocol === "postgresql:" || url.protocol === "postgres:") && hasHost;
  } catch {
    return false;
  }
}

const milliseconds = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number of milliseconds")
    .transform(Number)
    .refine((ms) => ms > 0 && ms <= 600_000, "must be between 1 and 600000")
    .default(fallback);

const boolean = (fallback: boolean) =>
  z
    .enum(["true", "false"], "must be true or false")
    .transform((value) => value === "true")
    .default(fallback);

const Environment = z.object({
  DATABASE_URL: z
    .string("is required (the PostgreSQL URL, e.g. postgresql://flip@db.internal:5432/flip)")
    .refine(postgresUrl, "must be a postgresql:// URL with a host (or ?host=/socket/directory)"),
  AWS_REGION: z
    .string("is required (the Cognito user pool's region, e.g. eu-west-2)")
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region such as eu-west-2"),
  AWS_COGNITO_USER_POOL_ID: z
    .string("is required (the Cognito user pool id, e.g. eu-west-2_AbCdEf123)")
    .regex(/^[\w-]+_[0-9a-zA-Z]+$/, "must be a user pool id such as eu-west-2_AbCdEf123"),
  SEED_USERS_FILE: z.string().min(1, "must not be empty").default(DEFAULT_USERS_FILE),
  LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`).default("info"),
  SEED_REDACT_EMAILS: boolean(true),
  SEED_COGNITO_CONNECT_TIMEOUT_MS: milliseconds(3_000),
  SEED_COGNITO_REQUEST_TIMEOUT_MS: milliseconds(5_000),
  SEED_COGNITO_RPS: z
    .string()
    .regex(/^\d+$/, "must be a whole number of requests per second")
    .transform(Number)
    .refine((rps) => rps >= 1 && rps <= 1_000, "must be between 1 and 1000")
    .default(10),
  SEED_DATABASE_CONNECT_TIMEOUT_MS: milliseconds(10_000),
  SEED_TRANSACTION_TIMEOUT_MS: milliseconds(120_000),
});

export interface SeedEnvironment {
  databaseUrl: string;
  region: string;
  userPoolId: string;
  usersFile: string;
  logLevel: LogLevel;
  redactEmails: boolean;
  cognito: { connectTimeoutMs: number; requestTimeoutMs: number; requestsPerSecond: number };
  database: { connectTimeoutMs: number; transactionTimeoutMs: number };
}

/** Reads and checks the environment; every problem names its variable. */
export function readEnvironment(env: NodeJS.ProcessEnv): SeedEnvironment {
  // An empty variable is as good as unset (a blank line in an env file).
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = Environment.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    region: e.AWS_REGION,
    userPoolId: e.AWS_COGNITO_USER_POOL_ID,
    usersFile: e.SEED_USERS_FILE,
    logLevel: e.LOG_LEVEL,
    redactEmails: e.SEED_REDACT_EMAILS,
    cognito: {
      connectTimeoutMs: e.SEED_COGNITO_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: e.SEED_COGNITO_REQUEST_TIMEOUT_MS,
      requestsPerSecond: e.SEED_COGNITO_RPS,
    },
    database: { connectTimeoutMs: e.SEED_DATABASE_CONNECT_TIMEOUT_MS, transactionTimeoutMs: e.SEED_TRANSACTION_TIMEOUT_MS },
  };
}

export const LOOKUP_STRATEGIES = ["auto", "filter", "scan"] as const;
export type LookupRequest = (typeof LOOKUP_STRATEGIES)[number];

export interface SeedFlags {
  dryRun: boolean;
  strict: boolean;
  users?: string;
  report?: string;
  lookup: LookupRequest;
  help: boolean;
}

const FLAG_OPTIONS = {
  "dry-run": { type: "boolean" },
  strict: { type: "boolean" },
  users: { type: "string" },
  report: { type: "string" },
  lookup: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const USAGE = `Usage: npx prisma db seed -- [--dry-run] [--strict] [--users <file>] [--report <file>] [--lookup <how>]
  --dry-run        resolve users and print the plan; write nothing
  --strict         any skipped user makes the run fail (exit 1) and nothing is written
  --users <file>   the users manifest, JSON or (named *.csv) CSV (default: $SEED_USERS_FILE or ${DEFAULT_USERS_FILE})
  --report <file>  also write the run report as JSON
  --lookup <how>   auto (default): whichever needs fewer Cognito calls; filter: one ListUsers
                   call per email; scan: one paginated pass over the whole pool
Exit codes: 0 success, 1 fatal, 2 usage error.`;

/** Parses the flags after `--`; anything unknown or incomplete is a usage error. */
export function parseFlags(argv: readonly string[]): SeedFlags {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: FLAG_OPTIONS, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError([`${describeArgsError(error)}; see --help`]);
  }
  const { values } = parsed;
  for (const name of ["users", "report"] as const) {
    if (values[name] === "") throw new UsageError([`--${name} needs a file name; see --help`]);
  }
  const lookup = values.lookup ?? "auto";
  if (!(LOOKUP_STRATEGIES as readonly string[]).includes(lookup)) {
    throw new UsageError([`--lookup must be one of ${LOOKUP_STRATEGIES.join(", ")}; see --help`]);
  }
  return {
    dryRun: values["dry-run"] ?? false,
    strict: values.strict ?? false,
    users: values.users,
    report: values.report,
    lookup: lookup as LookupRequest,
    help: values.help ?? false,
  };
}

/** node:util's messages are long and suggest `--` for positionals, which is wrong here. */
function describeArgsError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message;
  // Node names a flag with a short form as '-h, --help'; the long form is the one to show.
  const option = /'(?:-\w, )?(-{1,2}[^'\s,]*)/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${option ?? ""}`.trim();
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      // "argument missing", or "ambiguous" when the next word is another flag.
      return /does not take an argument/.test(message) ? `${option ?? "flag"} takes no value` : `${option ?? "flag"} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ""}`.trim();
    default:
      return message;
  }
}

/**
 * Finds `--report <file>` in arguments that failed to parse, so that even a
 * usage error is written to the report the operator asked for.
 */
export function findReportPath(argv: readonly string[]): string | undefined {
  const { values } = parseArgs({ args: [...argv], options: FLAG_OPTIONS, strict: false, allowPositionals: true });
  return typeof values.report === "string" && values.report !== "" ? values.report : undefined;
}
