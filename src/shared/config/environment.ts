/**
 * flip-db's configuration: the environment variables the seed, the doctor
 * and the boot read, validated up front so that a mistake stops the boot
 * before anything is contacted. Cognito's endpoint and credentials are not
 * here: the AWS SDK reads them itself (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
 * AWS_ENDPOINT_URL, the default credential chain).
 */
import { z } from "zod";

import { locateDatabase, readPostgresUrl } from "../postgres/location.js";
import { ConfigError } from "./ConfigError.js";

export const DEFAULT_USERS_FILE = "prisma/seed-users.json";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A `postgresql://` URL that names its server: a host, or a Unix socket directory with `?host=/path`. */
function postgresUrl(value: string): boolean {
  try {
    return readPostgresUrl(value).host !== undefined;
  } catch {
    return false;
  }
}

/**
 * A figure the environment may override. Unset stays unset: the default
 * belongs to the module that uses the figure (the directory, the database
 * client, the seed, the doctor), which applies it, so it is written once.
 */
const milliseconds = () =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number of milliseconds")
    .transform(Number)
    .refine((ms) => ms > 0 && ms <= 600_000, "must be between 1 and 600000")
    .optional();

const boolean = (fallback: boolean) =>
  z
    .enum(["true", "false"], "must be true or false")
    .transform((value) => value === "true")
    .default(fallback);

const POSTGRES_URL_RULE = "must be a postgresql:// URL with a host (or ?host=/socket/directory)";

/** The two database URLs: what the seed and the library use, and what migrations use instead when it is set. */
const DATABASE_URLS = {
  DATABASE_URL: z
    .string("is required (the PostgreSQL URL, e.g. postgresql://flip@db.internal:5432/flip)")
    .refine(postgresUrl, POSTGRES_URL_RULE),
  DIRECT_URL: z.string().refine(postgresUrl, POSTGRES_URL_RULE).optional(),
};

type UrlsInput = { DATABASE_URL: string; DIRECT_URL?: string | undefined };

/**
 * Both URLs must name the same `?schema=`: Prisma's CLI migrates the one in
 * DIRECT_URL, the seed writes to the one in DATABASE_URL. Checked only once
 * both URLs are valid, and reported beside any other problem.
 */
function sameSchema(urls: UrlsInput, context: z.core.$RefinementCtx<UrlsInput>): void {
  if (urls.DIRECT_URL === undefined) return;
  const seeded = locateDatabase(urls.DATABASE_URL).schema;
  const migrated = locateDatabase(urls.DIRECT_URL).schema;
  if (seeded === migrated) return;
  context.addIssue({
    code: "custom",
    path: ["DIRECT_URL"],
    message: `names schema ${migrated} but DATABASE_URL names ${seeded}: give both the same ?schema=, the schema flip-db's tables live in`,
  });
}

/** Runs the schema check whenever both URLs parsed, whatever else is wrong. */
const whenUrlsParsed = {
  when: (payload: z.core.ParsePayload) => !payload.issues.some((issue) => ["DATABASE_URL", "DIRECT_URL"].includes(String(issue.path?.[0]))),
};

const DatabaseUrls = z.object(DATABASE_URLS).superRefine(sameSchema, whenUrlsParsed);

const Environment = z
  .object({
    ...DATABASE_URLS,
    AWS_REGION: z
      .string("is required (the Cognito user pool's region, e.g. eu-west-2)")
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region such as eu-west-2"),
    AWS_COGNITO_USER_POOL_ID: z
      .string("is required (the Cognito user pool id, e.g. eu-west-2_AbCdEf123)")
      .regex(/^[\w-]+_[0-9a-zA-Z]+$/, "must be a user pool id such as eu-west-2_AbCdEf123"),
    SEED_USERS_FILE: z.string().min(1, "must not be empty").default(DEFAULT_USERS_FILE),
    LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`).default("info"),
    SEED_REDACT_EMAILS: boolean(true),
    SEED_COGNITO_CONNECT_TIMEOUT_MS: milliseconds(),
    SEED_COGNITO_REQUEST_TIMEOUT_MS: milliseconds(),
    SEED_COGNITO_RPS: z
      .string()
      .regex(/^\d+$/, "must be a whole number of requests per second")
      .transform(Number)
      .refine((rps) => rps >= 1 && rps <= 1_000, "must be between 1 and 1000")
      .optional(),
    SEED_DATABASE_CONNECT_TIMEOUT_MS: milliseconds(),
    SEED_TRANSACTION_TIMEOUT_MS: milliseconds(),
  })
  .superRefine(sameSchema, whenUrlsParsed);

/** The database URLs: `DATABASE_URL`, and `DIRECT_URL` when it is set. */
export interface DatabaseUrls {
  databaseUrl: string;
  /** PostgreSQL itself, past any pooler, for migrations; undefined when DATABASE_URL serves them too. */
  directUrl: string | undefined;
}

/** The variable a migration URL came from, for messages. */
export type MigrationUrlVariable = "DIRECT_URL" | "DATABASE_URL";

/**
 * Where migrations go, and whatever inspects them: DIRECT_URL when it is set,
 * DATABASE_URL otherwise. (prisma.config.ts applies the same rule to the CLI's
 * datasource: it cannot import this module in an image without dist/.)
 */
export function migrationUrl(urls: DatabaseUrls): { url: string; variable: MigrationUrlVariable } {
  return urls.directUrl === undefined
    ? { url: urls.databaseUrl, variable: "DATABASE_URL" }
    : { url: urls.directUrl, variable: "DIRECT_URL" };
}

export interface SeedEnvironment extends DatabaseUrls {
  region: string;
  userPoolId: string;
  usersFile: string;
  logLevel: LogLevel;
  redactEmails: boolean;
  /** Each `undefined` when unset: the directory applies its own timeouts and pace. */
  cognito: { connectTimeoutMs: number | undefined; requestTimeoutMs: number | undefined; requestsPerSecond: number | undefined };
  /** Each `undefined` when unset: the database client, the seed and the doctor apply their own defaults. */
  database: { connectTimeoutMs: number | undefined; transactionTimeoutMs: number | undefined };
}

/** Parses the variables `schema` knows; every problem names its variable. */
function parse<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv): z.output<Schema> {
  // An empty variable is as good as unset (a blank line in an env file).
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  return parsed.data;
}

/** Reads and checks the database URLs alone, for what needs no more (flip-db-deploy before the seed). */
export function readDatabaseUrls(env: NodeJS.ProcessEnv): DatabaseUrls {
  const e = parse(DatabaseUrls, env);
  return { databaseUrl: e.DATABASE_URL, directUrl: e.DIRECT_URL };
}

/** Reads and checks the environment; every problem names its variable. */
export function readEnvironment(env: NodeJS.ProcessEnv): SeedEnvironment {
  const e = parse(Environment, env);
  return {
    databaseUrl: e.DATABASE_URL,
    directUrl: e.DIRECT_URL,
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
