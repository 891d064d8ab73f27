/**
 * flip-db's configuration: the environment variables the seed, the doctor
 * and the boot read, validated up front so that a mistake stops the boot
 * before anything is contacted. Cognito's endpoint and credentials are not
 * here: the AWS SDK reads them itself (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
 * AWS_ENDPOINT_URL, the default credential chain).
 */
import { z } from "zod";

import { locateDatabase, readPostgresUrl } from "../postgres/location.js";
import { sslOptionOf } from "../postgres/tls.js";
import { ConfigError } from "./ConfigError.js";
import { IdentityProviderVariable, KEYCLOAK_VARIABLES, keycloakSettings, type KeycloakSettings } from "./identity-provider.js";
import { Milliseconds } from "./milliseconds.js";

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

const boolean = (fallback: boolean) =>
  z
    .enum(["true", "false"], "must be true or false")
    .transform((value) => value === "true")
    .default(fallback);

const POSTGRES_URL_RULE = "must be a postgresql:// URL with a host (or ?host=/socket/directory)";

/** The URL's TLS settings can be used (a known sslmode, files that can be read): checked here, before anything connects. */
function usableTls(value: string, context: z.core.$RefinementCtx<string>): void {
  try {
    sslOptionOf(value);
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems : [String(error)];
    for (const message of problems) context.addIssue({ code: "custom", message });
  }
}

/** The two database URLs: what the seed and the library use, and what migrations use instead when it is set. */
const DATABASE_URLS = {
  DATABASE_URL: z
    .string("is required (the PostgreSQL URL, e.g. postgresql://flip@db.internal:5432/flip)")
    .refine(postgresUrl, POSTGRES_URL_RULE)
    .superRefine(usableTls),
  DIRECT_URL: z.string().refine(postgresUrl, POSTGRES_URL_RULE).superRefine(usableTls).optional(),
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

const AWS_REGION_FORMAT = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Cognito's variables, checked when IDENTITY_PROVIDER is cognito (the default). */
const COGNITO_VARIABLES = {
  AWS_REGION: z
    .string("is required (the Cognito user pool's region, e.g. eu-west-2)")
    .regex(AWS_REGION_FORMAT, "must be an AWS region such as eu-west-2"),
  AWS_COGNITO_USER_POOL_ID: z
    .string("is required (the Cognito user pool id, e.g. eu-west-2_AbCdEf123)")
    .regex(/^[\w-]+_[0-9a-zA-Z]+$/, "must be a user pool id such as eu-west-2_AbCdEf123"),
};

/** Every provider's, after the provider's own in the order problems are listed. */
const OTHER_VARIABLES = {
  SEED_USERS_FILE: z.string().min(1, "must not be empty").default(DEFAULT_USERS_FILE),
  LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`).default("info"),
  SEED_REDACT_EMAILS: boolean(true),
  SEED_COGNITO_CONNECT_TIMEOUT_MS: Milliseconds,
  SEED_COGNITO_REQUEST_TIMEOUT_MS: Milliseconds,
  SEED_COGNITO_RPS: z
    .string()
    .regex(/^\d+$/, "must be a whole number of requests per second")
    .transform(Number)
    .refine((rps) => rps >= 1 && rps <= 1_000, "must be between 1 and 1000")
    .optional(),
  SEED_DATABASE_CONNECT_TIMEOUT_MS: Milliseconds,
  SEED_TRANSACTION_TIMEOUT_MS: Milliseconds,
};

type PoolInput = { AWS_REGION: string; AWS_COGNITO_USER_POOL_ID: string };

/**
 * A Cognito pool id starts with its region (`eu-west-1_AbC…`), and the SDK
 * calls the region in AWS_REGION: a pool of another region can never be
 * found. Ids whose prefix is not a region (cognito-local's `local_…`) are left
 * to the endpoint that made them.
 */
function poolInRegion(pool: PoolInput, context: z.core.$RefinementCtx<PoolInput>): void {
  const prefix = pool.AWS_COGNITO_USER_POOL_ID.slice(0, pool.AWS_COGNITO_USER_POOL_ID.lastIndexOf("_"));
  if (!AWS_REGION_FORMAT.test(prefix) || prefix === pool.AWS_REGION) return;
  context.addIssue({
    code: "custom",
    path: ["AWS_COGNITO_USER_POOL_ID"],
    message: `names region ${prefix} but AWS_REGION is ${pool.AWS_REGION}: set AWS_REGION to the pool's region`,
  });
}

/** Runs the region check once both Cognito variables are valid. */
const whenPoolParsed = {
  when: (payload: z.core.ParsePayload) =>
    !payload.issues.some((issue) => ["AWS_REGION", "AWS_COGNITO_USER_POOL_ID"].includes(String(issue.path?.[0]))),
};

const PROVIDER = { IDENTITY_PROVIDER: IdentityProviderVariable };
const CommonEnvironment = z.object({ ...DATABASE_URLS, ...PROVIDER, ...OTHER_VARIABLES });
const CognitoEnvironment = z
  .object({ ...DATABASE_URLS, ...PROVIDER, ...COGNITO_VARIABLES, ...OTHER_VARIABLES })
  .superRefine(sameSchema, whenUrlsParsed)
  .superRefine(poolInRegion, whenPoolParsed);
const KeycloakEnvironment = z
  .object({ ...DATABASE_URLS, ...PROVIDER, ...KEYCLOAK_VARIABLES, ...OTHER_VARIABLES })
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

/** The identity provider's settings: a Cognito user pool, or (with IDENTITY_PROVIDER=keycloak) a Keycloak realm. */
type IdentitySettings =
  { region: string; userPoolId: string; keycloak?: undefined } | { keycloak: KeycloakSettings; region?: undefined; userPoolId?: undefined };

export type SeedEnvironment = CommonEnvironment & IdentitySettings;

interface CommonEnvironment extends DatabaseUrls {
  usersFile: string;
  logLevel: LogLevel;
  redactEmails: boolean;
  /** Each `undefined` when unset: the directory applies its own timeouts and pace. */
  cognito: { connectTimeoutMs: number | undefined; requestTimeoutMs: number | undefined; requestsPerSecond: number | undefined };
  /** Each `undefined` when unset: the database client, the seed and the doctor apply their own defaults. */
  database: { connectTimeoutMs: number | undefined; transactionTimeoutMs: number | undefined };
}

/** The variables that are set: an empty variable is as good as unset (a blank line in an env file). */
function present(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
}

/** Parses the variables `schema` knows; every problem names its variable. */
function parse<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv): z.output<Schema> {
  const parsed = schema.safeParse(present(env));
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

/**
 * Reads and checks the environment; every problem names its variable. Only the
 * chosen provider's variables are asked for; an IDENTITY_PROVIDER that is
 * neither is reported with the other problems, and neither provider's are.
 */
export function readEnvironment(env: NodeJS.ProcessEnv): SeedEnvironment {
  const provider = IdentityProviderVariable.safeParse(present(env).IDENTITY_PROVIDER);
  if (!provider.success) {
    parse(CommonEnvironment.superRefine(sameSchema, whenUrlsParsed), env);
    throw new Error("IDENTITY_PROVIDER was refused and accepted at once: this is a bug");
  }
  if (provider.data === "keycloak") {
    const e = parse(KeycloakEnvironment, env);
    return { ...commonSettings(e), keycloak: keycloakSettings(e) };
  }
  const e = parse(CognitoEnvironment, env);
  return { ...commonSettings(e), region: e.AWS_REGION, userPoolId: e.AWS_COGNITO_USER_POOL_ID };
}

function commonSettings(e: z.output<typeof CommonEnvironment>): CommonEnvironment {
  return {
    databaseUrl: e.DATABASE_URL,
    directUrl: e.DIRECT_URL,
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
