/**
 * The seed's logger: pino, JSON lines when stdout is not a terminal (what a
 * container's log collector wants), readable lines when it is. Every string
 * that leaves goes through a scrubber first, so a secret that ends up in an
 * error message from a library still never reaches the logs.
 */
import { createRequire } from "node:module";

import pino, { type Logger } from "pino";

import { readPostgresUrl } from "./postgres/location.js";

export type { Logger };

/** `alice@example.org` → `a***@example.org`. */
export function redactEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${email[0]}***${email.slice(at)}`;
}

/** Emails are personal data: lines and reports name a user by `a***@example.org` unless told otherwise. */
export function emailForLog(email: string, redact: boolean): string {
  return redact ? redactEmail(email) : email;
}

/**
 * A secret at least this long is scrubbed wherever its text appears. A shorter
 * one ("flip", "local") is also an ordinary word: scrubbing it inside other
 * words would garble the line and point at the secret, so it is scrubbed only
 * where it stands as a value (see `standingValue`).
 */
const SHORT_SECRET_LENGTH = 8;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@/?#\s]*@/gi;
const REDACTED = "[redacted]";

export type Scrub = (text: string) => string;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Where a short secret stands as a value: the whole text, or the value of a
 * password or secret key (`password=flip`, `"secret": "flip"`).
 */
function standingValue(secret: string): RegExp {
  const value = escapeRegExp(secret);
  return new RegExp(`^${value}$|((?:password|passwd|secret)[\\w-]*["']?\\s*[:=]\\s*["']?)${value}(?![^\\s"'&,;)}\\]])`, "gi");
}

/**
 * Replaces each secret, and any password inside a URL, with `[redacted]`;
 * a secret shorter than 8 characters only where it stands as a value.
 */
export function createScrubber(secrets: ReadonlyArray<string | undefined>): Scrub {
  const known = [...new Set(secrets.filter(isSecret))]
    // Longest first, so a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  const everywhere = known.filter((secret) => secret.length >= SHORT_SECRET_LENGTH);
  const standing = known.filter((secret) => secret.length < SHORT_SECRET_LENGTH).map(standingValue);
  return (text) => {
    let result = text.replace(URL_PASSWORD, `$1${REDACTED}@`);
    for (const secret of everywhere) result = result.split(secret).join(REDACTED);
    for (const pattern of standing) result = result.replace(pattern, (_match, key?: string) => `${key ?? ""}${REDACTED}`);
    return result;
  };
}

function scrubValue(value: unknown, scrub: Scrub, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (depth > 5 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrub, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubValue(item, scrub, depth + 1)]));
}

/** The variables that hold a database URL, its password included. */
const DATABASE_URL_VARIABLES = ["DATABASE_URL", "DIRECT_URL"] as const;

/** What of a database URL must never be logged: the URL itself, and its password as written and decoded. */
export function secretsOfUrl(databaseUrl: string | undefined): string[] {
  const secrets = [databaseUrl];
  try {
    const { password } = readPostgresUrl(databaseUrl ?? "");
    // As it is, and as the URL may write it.
    if (password !== undefined) secrets.push(password, encodeURIComponent(password));
  } catch {
    // not a URL: nothing more to find in it
  }
  return secrets.filter(isSecret);
}

/** A secret worth scrubbing: set and not empty. */
function isSecret(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

/** The secrets the command knows of: they come from its environment. */
export function secretsFromEnvironment(env: NodeJS.ProcessEnv): string[] {
  const providers = [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, env.KEYCLOAK_CLIENT_SECRET].filter(isSecret);
  return [...providers, ...DATABASE_URL_VARIABLES.flatMap((variable) => secretsOfUrl(env[variable]))];
}

/**
 * What the seed's functions log to. pino's `Logger` is one; so is any logger
 * whose level methods take the fields first and the message second.
 */
export interface SeedLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  fatal(fields: object, message: string): void;
}

const ignore = (): void => {};

/** Logs nothing: the library's logger when its caller passes none. */
export const SILENT_LOGGER: SeedLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore, fatal: ignore };

/**
 * `logger`, with every string of every line scrubbed first: a caller's own
 * logger gets the same protection as the command's.
 */
export function scrubbingLogger(logger: SeedLogger, scrub: Scrub): SeedLogger {
  const clean = (fields: object, message: string): [object, string] => [scrubValue(fields, scrub) as object, scrub(message)];
  return {
    debug: (fields, message) => logger.debug(...clean(fields, message)),
    info: (fields, message) => logger.info(...clean(fields, message)),
    warn: (fields, message) => logger.warn(...clean(fields, message)),
    error: (fields, message) => logger.error(...clean(fields, message)),
    fatal: (fields, message) => logger.fatal(...clean(fields, message)),
  };
}

export interface LoggerOptions {
  level: string;
  /** Human-readable lines instead of JSON. */
  pretty: boolean;
  scrub: Scrub;
  destination: NodeJS.WritableStream;
}

/**
 * pino-pretty, loaded only for a terminal: a container's boot (logs, not a
 * terminal) does not pay for it.
 */
function loadPretty(): typeof import("pino-pretty") {
  return createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty");
}

export function createLogger(options: LoggerOptions): Logger {
  const { scrub } = options;
  const stream = options.pretty
    ? loadPretty()({ destination: options.destination, sync: true, translateTime: "HH:MM:ss", hideObject: true })
    : options.destination;
  return pino(
    {
      level: options.level,
      base: undefined,
      // Words and ISO times read better at 3 a.m. than pino's numbers.
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => scrubValue(arg, scrub)) as Parameters<typeof method>);
        },
      },
    },
    stream,
  );
}
