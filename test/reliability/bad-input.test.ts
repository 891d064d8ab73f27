/**
 * Suite 5: bad input. Every malformed manifest, environment variable and flag
 * must stop the seed with its documented exit code (1 for configuration and
 * manifest problems, 2 for usage problems) and one clear JSON line per
 * problem on stdout, with nothing on stderr (no stack trace, and not the AWS
 * SDK's Node 20 notice either: the Cognito client is never created for bad
 * input), not one Cognito request (a fault proxy counts them) and not one row
 * written.
 *
 * Every case runs the seed entry itself (`npx tsx prisma/seed.ts`, whose own
 * exit codes show); three more go through `npx prisma db seed`, which reports
 * any failure as 1. The runs carry sentinel secrets and the AWS SDK's Node
 * version notice is switched back on, so a client created by mistake shows on
 * stderr.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { ManifestEntry } from "../../src/manifest/index.js";
import { output } from "../support/commands.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { query } from "../support/postgres.js";
import type { CommandResult } from "../support/run-command.js";
import { entry } from "../support/seed-fixture.js";
import { stack } from "../support/stack.js";
import { count, mustBeZero } from "./support/figures.js";
import { appUrl, reliabilityScenario, seed, seedDirect, type ReliabilityScenario } from "./support/runs.js";

const ALICE = "alice.admin@example.org";
const BOB = "bob.viewer@example.org";
const ENTRIES = [entry(ALICE, "Admin"), entry(BOB, "Viewer")];
const POOL = [{ email: ALICE }, { email: BOB }];

/** A valid entry, and manifest text with it as `users[0]` after `changes` (an `undefined` value drops the field). */
const VALID = { email: ALICE, name: "Alice Admin", organisation: "North Trust", role: "Admin" };
function withEntry(changes: Record<string, unknown>): string {
  return JSON.stringify({ users: [{ ...VALID, ...changes }] });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A problem line as the seed prints it for a manifest field: `manifest <file>: <where>: <what>`. */
function manifestProblem(where: string, what: string): RegExp {
  return new RegExp(`^manifest \\S+: ${escape(where)}: ${escape(what)}$`);
}
const EMAIL = (what: string) => manifestProblem("users[0].email", what);
const CONTROL_CHARACTERS = EMAIL("must not contain control characters");
const WHITESPACE = EMAIL("must not contain whitespace");
const ROLE = manifestProblem("users[0].role", "must be one of Admin, Researcher, Viewer");
const TRUST_ROLE = (where: string) =>
  manifestProblem(where, "Trust Admin is held per trust; the seed grants global roles only (Admin, Researcher or Viewer)");

function variableProblem(variable: string, what: string): RegExp {
  return new RegExp(`^${variable}: ${escape(what)}$`);
}
const DATABASE_URL_REQUIRED = variableProblem(
  "DATABASE_URL",
  "is required (the PostgreSQL URL, e.g. postgresql://flip@db.internal:5432/flip)",
);
const POSTGRES_URL = variableProblem("DATABASE_URL", "must be a postgresql:// URL with a host (or ?host=/socket/directory)");

function usageProblem(what: string): RegExp {
  return new RegExp(`^${escape(what)}; see --help$`);
}

const REJECTED = "bad inputs rejected cleanly";

interface BadInput {
  label: string;
  /** Manifest text, written to a file of the case's own and passed as `--users <file>` (or SEED_USERS_FILE). */
  manifest?: string;
  /** That file's name, whose extension picks the format: default `users.json`. */
  file?: string;
  viaEnvironment?: boolean;
  /** The arguments; `dir` is a scratch directory of the case's own. Default: `--users <manifest>` when there is one. */
  args?: (dir: string) => string[];
  env?: (dir: string) => Record<string, string | undefined>;
  /** Emails the case's input holds, which no output may show in full. */
  emails?: string[];
  /** One pattern per expected fatal line, in order. */
  problems: RegExp[];
}

interface Group {
  name: string;
  exitCode: 1 | 2;
  /** The `code` of every fatal line. */
  code: "MANIFEST_INVALID" | "CONFIG_INVALID" | "USAGE";
  cases: BadInput[];
}

const MANIFEST: Group = {
  name: "manifest",
  exitCode: 1,
  code: "MANIFEST_INVALID",
  cases: [
    { label: "not JSON", manifest: "not json", problems: [/^manifest \S+: not valid JSON \(unexpected character at line 1, column 1\)$/] },
    {
      label: "a trailing comma after the last entry",
      manifest: `{"users": [\n  ${JSON.stringify(VALID)},\n]}`,
      problems: [/^manifest \S+: not valid JSON \(a trailing comma before '\]' at line 3, column 1\)$/],
    },
    {
      label: "a JSON syntax error right after an email (the email is not quoted back)",
      manifest: `{"users": [{"email": "${ALICE}" "name": "Alice"}]}`,
      emails: [ALICE],
      problems: [/^manifest \S+: not valid JSON \(expected ',' at line 1, column \d+\)$/],
    },
    { label: "an empty file", manifest: "", problems: [/^manifest \S+: not valid JSON \(the file is empty at line 1, column 1\)$/] },
    {
      label: "a truncated file",
      manifest: withEntry({}).slice(0, 40),
      problems: [/^manifest \S+: not valid JSON \(.+ at line \d+, column \d+\)$/],
    },
    {
      label: "the top level is a list",
      manifest: JSON.stringify([VALID]),
      problems: [manifestProblem("the top level", 'must be an object like {"users": [...]} (got a list)')],
    },
    {
      label: "the top level is null",
      manifest: "null",
      problems: [manifestProblem("the top level", 'must be an object like {"users": [...]} (got null)')],
    },
    { label: "users missing", manifest: "{}", problems: [manifestProblem("users", "is required")] },
    {
      label: "users not a list",
      manifest: JSON.stringify({ users: VALID }),
      problems: [manifestProblem("users", "must be a list (got an object)")],
    },
    {
      label: "users an empty list",
      manifest: JSON.stringify({ users: [] }),
      problems: [manifestProblem("users", "must list at least one user")],
    },
    {
      label: "an entry is null",
      manifest: JSON.stringify({ users: [null] }),
      problems: [manifestProblem("users[0]", "must be an object (got null)")],
    },
    {
      label: "an entry is a string",
      manifest: JSON.stringify({ users: [ALICE] }),
      emails: [ALICE],
      problems: [manifestProblem("users[0]", "must be an object (got a string)")],
    },
    { label: "email missing", manifest: withEntry({ email: undefined }), problems: [EMAIL("is required")] },
    { label: "name missing", manifest: withEntry({ name: undefined }), problems: [manifestProblem("users[0].name", "is required")] },
    {
      label: "organisation missing",
      manifest: withEntry({ organisation: undefined }),
      problems: [manifestProblem("users[0].organisation", "is required")],
    },
    { label: "role missing", manifest: withEntry({ role: undefined }), problems: [manifestProblem("users[0].role", "is required")] },
    { label: "email a number", manifest: withEntry({ email: 42 }), problems: [EMAIL("must be a string (got a number)")] },
    {
      label: "name a list",
      manifest: withEntry({ name: ["Alice"] }),
      problems: [manifestProblem("users[0].name", "must be a string (got a list)")],
    },
    {
      label: "name null",
      manifest: withEntry({ name: null }),
      problems: [manifestProblem("users[0].name", "must be a string (got null)")],
    },
    { label: "role an object", manifest: withEntry({ role: { name: "Admin" } }), problems: [ROLE] },
    {
      label: "an extra field in an entry",
      manifest: withEntry({ admin: true }),
      problems: [manifestProblem("users[0]", 'unknown field "admin"')],
    },
    // A field's name is the operator's text: quoted back, a line break in it would split the line, an email leak.
    {
      label: "an extra field whose name holds a line break",
      manifest: JSON.stringify({ users: [{ ...VALID, "admin\nrole": true }] }),
      problems: [manifestProblem("users[0]", "unknown field (a name that is not a plain word)")],
    },
    {
      label: "an extra field named with an email address (not quoted back in full)",
      manifest: JSON.stringify({ users: [{ ...VALID, "carol.manager@example.org": "Admin" }] }),
      emails: ["carol.manager@example.org"],
      problems: [manifestProblem("users[0]", "unknown field (a name that is not a plain word)")],
    },
    {
      label: "an extra field at the top level",
      manifest: JSON.stringify({ users: [VALID], version: 2 }),
      problems: [manifestProblem("the top level", 'unknown field "version"')],
    },
    {
      label: "$schema not a string",
      manifest: JSON.stringify({ $schema: 1, users: [VALID] }),
      problems: [manifestProblem("$schema", "must be a string (got a number)")],
    },
    { label: "an unknown role", manifest: withEntry({ role: "Superuser" }), problems: [ROLE] },
    { label: "a role in the wrong case (admin)", manifest: withEntry({ role: "admin" }), problems: [ROLE] },
    { label: "a per-trust role (Trust Admin)", manifest: withEntry({ role: "Trust Admin" }), problems: [TRUST_ROLE("users[0].role")] },
    {
      label: "duplicate emails differing only in case",
      manifest: JSON.stringify({ users: [VALID, { ...VALID, email: ALICE.toUpperCase() }] }),
      emails: [ALICE],
      problems: [manifestProblem("users[1].email", "duplicates users[0].email (emails are compared case-insensitively)")],
    },
    {
      label: 'the injection a@b.com" or email ^= "',
      manifest: withEntry({ email: 'a@b.com" or email ^= "' }),
      problems: [EMAIL('must not contain a double quote (")')],
    },
    {
      label: 'an injection without spaces a@b.com"or"x',
      manifest: withEntry({ email: 'a@b.com"or"x' }),
      problems: [EMAIL('must not contain a double quote (")')],
    },
    {
      label: "an email with a double quote",
      manifest: withEntry({ email: 'ali"ce@example.org' }),
      problems: [EMAIL('must not contain a double quote (")')],
    },
    {
      label: "an email with a backslash",
      manifest: withEntry({ email: "ali\\ce@example.org" }),
      problems: [EMAIL("must not contain a backslash")],
    },
    { label: "an email with a space", manifest: withEntry({ email: "ali ce@example.org" }), problems: [WHITESPACE] },
    { label: "an email with a trailing space", manifest: withEntry({ email: `${ALICE} ` }), emails: [ALICE], problems: [WHITESPACE] },
    { label: "an email with a no-break space", manifest: withEntry({ email: "ali\u00a0ce@example.org" }), problems: [WHITESPACE] },
    // A tab or a newline is whitespace and a control character too; one problem a field is reported.
    { label: "an email with a tab", manifest: withEntry({ email: "ali\tce@example.org" }), problems: [CONTROL_CHARACTERS] },
    { label: "an email with a newline", manifest: withEntry({ email: "ali\nce@example.org" }), problems: [CONTROL_CHARACTERS] },
    { label: "an email with \\u0000", manifest: withEntry({ email: "ali\u0000ce@example.org" }), problems: [CONTROL_CHARACTERS] },
    { label: "an email with \\u0007", manifest: withEntry({ email: "ali\u0007ce@example.org" }), problems: [CONTROL_CHARACTERS] },
    { label: "an email with \\u007f", manifest: withEntry({ email: "ali\u007fce@example.org" }), problems: [CONTROL_CHARACTERS] },
    {
      label: "an email without @",
      manifest: withEntry({ email: "alice.example.org" }),
      problems: [EMAIL("must be a valid email address")],
    },
    { label: "an empty email", manifest: withEntry({ email: "" }), problems: [EMAIL("must be a valid email address")] },
    {
      label: "an email over 254 characters",
      manifest: withEntry({ email: `${"a".repeat(243)}@example.org` }),
      problems: [EMAIL("must be at most 254 characters")],
    },
    {
      label: "a name over 255 characters",
      manifest: withEntry({ name: "n".repeat(256) }),
      problems: [manifestProblem("users[0].name", "must be at most 255 characters")],
    },
    {
      label: "an organisation over 255 characters",
      manifest: withEntry({ organisation: "é".repeat(256) }),
      problems: [manifestProblem("users[0].organisation", "must be at most 255 characters")],
    },
    { label: "an empty name", manifest: withEntry({ name: "" }), problems: [manifestProblem("users[0].name", "must not be empty")] },
    {
      label: "a whitespace-only organisation",
      manifest: withEntry({ organisation: "   " }),
      problems: [manifestProblem("users[0].organisation", "must not be empty")],
    },
    {
      label: "a name with a control character",
      manifest: withEntry({ name: "Alice\u001b[31m Admin" }),
      problems: [manifestProblem("users[0].name", "must not contain control characters")],
    },
    {
      label: "three entries wrong at once (three problems, one per entry)",
      manifest: JSON.stringify({
        users: [
          { ...VALID, email: "x" },
          { ...VALID, email: BOB, role: "Root" },
          { ...VALID, email: "carol@example.org", name: "" },
        ],
      }),
      emails: [BOB, "carol@example.org"],
      problems: [
        EMAIL("must be a valid email address"),
        manifestProblem("users[1].role", "must be one of Admin, Researcher, Viewer"),
        manifestProblem("users[2].name", "must not be empty"),
      ],
    },
    // CSV, chosen by the file's extension: problems name the line (the header is line 1).
    {
      label: "a CSV manifest with an unknown column",
      file: "users.csv",
      manifest: `email,name,organisation,role,phone\n${ALICE},Alice Admin,North Trust,Admin,0123\n`,
      emails: [ALICE],
      problems: [manifestProblem("line 1", 'unknown column "phone"')],
    },
    {
      label: "a CSV manifest with a row of 3 fields",
      file: "users.csv",
      manifest: `email,name,organisation,role\r\n${ALICE},Alice Admin,North Trust,Admin\r\n${BOB},Bob Viewer,North Trust\r\n`,
      emails: [ALICE, BOB],
      problems: [manifestProblem("line 3", "3 fields, expected 4")],
    },
    {
      label: "a CSV manifest with an unterminated quote",
      file: "users.csv",
      manifest: `email,name,organisation,role\n${ALICE},"Alice Admin,North Trust,Admin\n${BOB},Bob Viewer,North Trust,Viewer\n`,
      emails: [ALICE, BOB],
      problems: [manifestProblem("line 2", 'a quoted field is never closed (a " opens it and no " ends it)')],
    },
    {
      label: "a CSV manifest granting a per-trust role (Trust Admin)",
      file: "users.csv",
      manifest: `email,name,organisation,role\n${ALICE},Alice Admin,North Trust,Admin\n${BOB},Bob Viewer,North Trust,Trust Admin\n`,
      emails: [ALICE, BOB],
      problems: [TRUST_ROLE("line 3: role")],
    },
    {
      label: "a CSV manifest (SEED_USERS_FILE) with duplicate emails differing only in case",
      file: "users.csv",
      viaEnvironment: true,
      manifest: `\uFEFFemail,name,organisation,role\n${ALICE},Alice Admin,North Trust,Admin\n${ALICE.toUpperCase()},Alice Again,North Trust,Viewer\n`,
      emails: [ALICE],
      problems: [manifestProblem("line 3", "email: duplicates the email on line 2 (emails are compared case-insensitively)")],
    },
    { label: "a bad manifest given by SEED_USERS_FILE", manifest: withEntry({ role: "Owner" }), viaEnvironment: true, problems: [ROLE] },
    {
      label: "a missing manifest file (--users)",
      args: (dir) => ["--users", path.join(dir, "absent.json")],
      problems: [/^manifest \S+\/absent\.json: cannot be read \(file not found\); set SEED_USERS_FILE or --users$/],
    },
    {
      label: "a missing manifest file (SEED_USERS_FILE)",
      args: () => [],
      env: (dir) => ({ SEED_USERS_FILE: path.join(dir, "absent.json") }),
      problems: [/^manifest \S+\/absent\.json: cannot be read \(file not found\); set SEED_USERS_FILE or --users$/],
    },
    {
      label: "a directory given as the manifest",
      args: (dir) => ["--users", dir],
      problems: [/^manifest \S+: cannot be read \(EISDIR: illegal operation on a directory, read\); set SEED_USERS_FILE or --users$/],
    },
  ],
};

const ENVIRONMENT: Group = {
  name: "environment",
  exitCode: 1,
  code: "CONFIG_INVALID",
  cases: [
    {
      label: "DATABASE_URL missing",
      env: () => ({ DATABASE_URL: undefined }),
      problems: [DATABASE_URL_REQUIRED],
    },
    {
      label: "DATABASE_URL empty",
      env: () => ({ DATABASE_URL: "" }),
      problems: [DATABASE_URL_REQUIRED],
    },
    { label: "DATABASE_URL not a URL", env: () => ({ DATABASE_URL: "not a url" }), problems: [POSTGRES_URL] },
    {
      label: "DATABASE_URL a mysql:// URL (holding the sentinel password, which must not be echoed)",
      env: () => ({ DATABASE_URL: appUrl("flip").replace(/^postgres(ql)?:/, "mysql:") }),
      problems: [POSTGRES_URL],
    },
    { label: "DATABASE_URL without a host", env: () => ({ DATABASE_URL: "postgresql:///flip" }), problems: [POSTGRES_URL] },
    {
      label: "AWS_REGION missing",
      env: () => ({ AWS_REGION: undefined }),
      problems: [variableProblem("AWS_REGION", "is required (the Cognito user pool's region, e.g. eu-west-2)")],
    },
    {
      label: "AWS_REGION malformed",
      env: () => ({ AWS_REGION: "EU West 2" }),
      problems: [variableProblem("AWS_REGION", "must be an AWS region such as eu-west-2")],
    },
    {
      label: "AWS_COGNITO_USER_POOL_ID missing",
      env: () => ({ AWS_COGNITO_USER_POOL_ID: "" }),
      problems: [variableProblem("AWS_COGNITO_USER_POOL_ID", "is required (the Cognito user pool id, e.g. eu-west-2_AbCdEf123)")],
    },
    {
      label: "AWS_COGNITO_USER_POOL_ID with a space",
      env: () => ({ AWS_COGNITO_USER_POOL_ID: "eu-west-2_Abc 123" }),
      problems: [variableProblem("AWS_COGNITO_USER_POOL_ID", "must be a user pool id such as eu-west-2_AbCdEf123")],
    },
    {
      label: "AWS_COGNITO_USER_POOL_ID with a quote",
      env: () => ({ AWS_COGNITO_USER_POOL_ID: 'eu-west-2_Abc"123' }),
      problems: [variableProblem("AWS_COGNITO_USER_POOL_ID", "must be a user pool id such as eu-west-2_AbCdEf123")],
    },
    {
      label: "LOG_LEVEL unknown",
      env: () => ({ LOG_LEVEL: "verbose" }),
      problems: [variableProblem("LOG_LEVEL", "must be one of fatal, error, warn, info, debug, trace, silent")],
    },
    {
      label: "SEED_REDACT_EMAILS yes",
      env: () => ({ SEED_REDACT_EMAILS: "yes" }),
      problems: [variableProblem("SEED_REDACT_EMAILS", "must be true or false")],
    },
    {
      label: "SEED_COGNITO_REQUEST_TIMEOUT_MS 0",
      env: () => ({ SEED_COGNITO_REQUEST_TIMEOUT_MS: "0" }),
      problems: [variableProblem("SEED_COGNITO_REQUEST_TIMEOUT_MS", "must be between 1 and 600000")],
    },
    {
      label: "SEED_COGNITO_REQUEST_TIMEOUT_MS abc",
      env: () => ({ SEED_COGNITO_REQUEST_TIMEOUT_MS: "abc" }),
      problems: [variableProblem("SEED_COGNITO_REQUEST_TIMEOUT_MS", "must be a whole number of milliseconds")],
    },
    {
      label: "SEED_COGNITO_REQUEST_TIMEOUT_MS -5",
      env: () => ({ SEED_COGNITO_REQUEST_TIMEOUT_MS: "-5" }),
      problems: [variableProblem("SEED_COGNITO_REQUEST_TIMEOUT_MS", "must be a whole number of milliseconds")],
    },
    {
      label: "SEED_COGNITO_CONNECT_TIMEOUT_MS 1e3",
      env: () => ({ SEED_COGNITO_CONNECT_TIMEOUT_MS: "1e3" }),
      problems: [variableProblem("SEED_COGNITO_CONNECT_TIMEOUT_MS", "must be a whole number of milliseconds")],
    },
    {
      label: "SEED_TRANSACTION_TIMEOUT_MS over ten minutes",
      env: () => ({ SEED_TRANSACTION_TIMEOUT_MS: "600001" }),
      problems: [variableProblem("SEED_TRANSACTION_TIMEOUT_MS", "must be between 1 and 600000")],
    },
    {
      label: "SEED_COGNITO_RPS 0",
      env: () => ({ SEED_COGNITO_RPS: "0" }),
      problems: [variableProblem("SEED_COGNITO_RPS", "must be between 1 and 1000")],
    },
    {
      label: "DATABASE_URL and AWS_REGION both missing (two problems)",
      env: () => ({ DATABASE_URL: "", AWS_REGION: "" }),
      problems: [DATABASE_URL_REQUIRED, variableProblem("AWS_REGION", "is required (the Cognito user pool's region, e.g. eu-west-2)")],
    },
  ],
};

const FLAGS: Group = {
  name: "flags",
  exitCode: 2,
  code: "USAGE",
  cases: [
    { label: "an unknown flag", args: () => ["--bogus"], problems: [usageProblem("unknown flag --bogus")] },
    { label: "an unknown short flag", args: () => ["-x"], problems: [usageProblem("unknown flag -x")] },
    { label: "a flag in the wrong case", args: () => ["--Dry-run"], problems: [usageProblem("unknown flag --Dry-run")] },
    { label: "--users without a value", args: () => ["--users"], problems: [usageProblem("--users needs a value")] },
    { label: "--users followed by another flag", args: () => ["--users", "--dry-run"], problems: [usageProblem("--users needs a value")] },
    { label: "--report without a value", args: () => ["--report"], problems: [usageProblem("--report needs a value")] },
    { label: "--users= empty", args: () => ["--users="], problems: [usageProblem("--users needs a file name")] },
    { label: "--report= empty", args: () => ["--report="], problems: [usageProblem("--report needs a file name")] },
    { label: "--dry-run=yes", args: () => ["--dry-run=yes"], problems: [usageProblem("--dry-run takes no value")] },
    {
      label: "a stray positional argument",
      args: () => ["--dry-run", "users.json"],
      problems: [usageProblem("unexpected argument users.json")],
    },
    { label: "a stray argument after --", args: () => ["--strict", "--", "now"], problems: [usageProblem("unexpected argument now")] },
  ],
};

let scenario: ReliabilityScenario;
let proxy: FaultProxy;
let workDir: string;
/** What every run adds to the scenario's environment: Cognito through the proxy, and the SDK's Node notice on. */
let baseEnv: Record<string, string>;

beforeAll(async () => {
  [scenario, proxy, workDir] = await Promise.all([
    reliabilityScenario(POOL, ENTRIES),
    startFaultProxy(stack().cognitoEndpoint),
    mkdtemp(path.join(tmpdir(), "flip-db-bad-input-")),
  ]);
  baseEnv = {
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: proxy.endpoint,
    // The SDK prints its notice unless this is exactly "true"; switched on, a client created by mistake shows on stderr.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "",
  };
});

afterAll(async () => {
  await proxy?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  proxy.resetCounts();
});

async function rowsIn(databaseUrl: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    databaseUrl,
    `SELECT ((SELECT count(*) FROM roles) + (SELECT count(*) FROM user_profile)
           + (SELECT count(*) FROM user_role) + (SELECT count(*) FROM seed_grant))::int AS n`,
  );
  return row!.n;
}

interface LogLine {
  level?: unknown;
  code?: unknown;
  msg?: unknown;
}

/** Each stdout line parsed as JSON, or undefined where a line is not a JSON object. */
function jsonLines(stdout: string): Array<LogLine | undefined> {
  const lines = stdout.endsWith("\n") ? stdout.slice(0, -1).split("\n") : stdout.split("\n");
  return lines.map((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
    } catch {
      return undefined;
    }
  });
}

/** Whether `line` is a fatal line with `code` and a one-line message that `pattern` matches. */
function isProblemLine(line: LogLine | undefined, code: string, pattern: RegExp): boolean {
  return (
    line?.level === "fatal" && line.code === code && typeof line.msg === "string" && !line.msg.includes("\n") && pattern.test(line.msg)
  );
}

/** A scratch directory and the arguments and environment of one case; the manifest, if any, written there. */
async function prepare(input: BadInput, index: number, group: string) {
  const dir = path.join(workDir, `${group}-${index}`);
  await mkdir(dir, { recursive: true });
  const env: Record<string, string | undefined> = { ...baseEnv, ...input.env?.(dir) };
  let args = input.args?.(dir) ?? [];
  if (input.manifest !== undefined) {
    const file = path.join(dir, input.file ?? "users.json");
    await writeFile(file, input.manifest);
    if (input.viaEnvironment) env.SEED_USERS_FILE = file;
    else if (input.args === undefined) args = ["--users", file];
  }
  // Emails the case holds, as manifest entries, so the leak check looks for them too.
  const entries: ManifestEntry[] = [...ENTRIES, ...(input.emails ?? []).map((email) => entry(email))];
  return { args, env, entries };
}

function describeRun(result: CommandResult, requests: readonly unknown[], rows: number): string {
  return `exit ${result.code}, ${requests.length} Cognito request(s), ${rows} row(s)\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}

for (const group of [MANIFEST, ENVIRONMENT, FLAGS]) {
  describe(`bad input: ${group.name} (exit ${group.exitCode})`, () => {
    it.for(group.cases.map((input, index) => ({ ...input, index })))("$label", async (input, context) => {
      const { args, env, entries } = await prepare(input, input.index, group.name);
      // Tried from the start, held only once every check passed: a run that fails the leak check inside
      // seedDirect still counts as tried and not held.
      count(context, REJECTED, 1, 0);
      const result = await seedDirect(context, { env: scenario.env, entries }, args, env);
      const requests = proxy.requests;
      const rows = await rowsIn(scenario.databaseUrl);
      const lines = jsonLines(result.stdout);

      const held =
        result.code === group.exitCode &&
        lines.length === input.problems.length &&
        input.problems.every((pattern, i) => isProblemLine(lines[i], group.code, pattern)) &&
        result.stderr === "" &&
        requests.length === 0 &&
        rows === 0;
      count(context, REJECTED, 0, held ? 1 : 0);
      mustBeZero(context, "rows lost or half-written", rows);

      const why = describeRun(result, requests, rows);
      expect(result.code, why).toBe(group.exitCode);
      expect(lines, why).toHaveLength(input.problems.length);
      lines.forEach((line, i) => {
        expect(line, `line ${i + 1} is not a JSON object\n${why}`).toBeDefined();
        expect(line).toMatchObject({ level: "fatal", code: group.code });
        expect(line?.msg).not.toContain("\n");
        expect(line?.msg).toMatch(input.problems[i]!);
      });
      expect(result.stderr, why).toBe("");
      expect(requests, why).toEqual([]);
      expect(rows, why).toBe(0);
      expect(held).toBe(true);
    });
  });
}

describe("bad input through `npx prisma db seed` (Prisma reports every failure as 1)", () => {
  const CLI_CASES: Array<{ label: string; code: string; args: (dir: string) => string[]; manifest?: string; problem: RegExp }> = [
    { label: "a usage error (seed exit 2)", code: "USAGE", args: () => ["--bogus"], problem: usageProblem("unknown flag --bogus") },
    {
      label: "a manifest error (seed exit 1)",
      code: "MANIFEST_INVALID",
      manifest: withEntry({ email: 'a@b.com"or"x' }),
      args: (dir) => ["--users", path.join(dir, "users.json")],
      problem: EMAIL('must not contain a double quote (")'),
    },
    {
      label: "a missing manifest (seed exit 1)",
      code: "MANIFEST_INVALID",
      args: (dir) => ["--users", path.join(dir, "absent.json")],
      problem: /^manifest \S+\/absent\.json: cannot be read \(file not found\); set SEED_USERS_FILE or --users$/,
    },
  ];

  it.for(CLI_CASES.map((input, index) => ({ ...input, index })))("$label", async (input, context) => {
    const dir = path.join(workDir, `cli-${input.index}`);
    await mkdir(dir, { recursive: true });
    if (input.manifest !== undefined) await writeFile(path.join(dir, "users.json"), input.manifest);
    count(context, REJECTED, 1, 0);
    const result = await seed(context, scenario, input.args(dir), baseEnv);
    const requests = proxy.requests;
    const rows = await rowsIn(scenario.databaseUrl);
    const fatal = jsonLines(result.stdout).filter((line) => line?.level === "fatal");

    const held =
      result.code === 1 &&
      fatal.length === 1 &&
      isProblemLine(fatal[0], input.code, input.problem) &&
      !/NodeVersionSupportWarning|\n\s+at /.test(output(result)) &&
      requests.length === 0 &&
      rows === 0;
    count(context, REJECTED, 0, held ? 1 : 0);
    mustBeZero(context, "rows lost or half-written", rows);

    const why = describeRun(result, requests, rows);
    expect(result.code, why).toBe(1);
    expect(fatal, why).toHaveLength(1);
    expect(fatal[0], why).toMatchObject({ level: "fatal", code: input.code });
    expect(fatal[0]?.msg, why).toMatch(input.problem);
    // Neither a stack trace nor the SDK's notice, from the seed or from Prisma.
    expect(output(result), why).not.toMatch(/NodeVersionSupportWarning|\n\s+at /);
    expect(requests, why).toEqual([]);
    expect(rows, why).toBe(0);
    expect(held).toBe(true);
  });
});

describe("the checks themselves", () => {
  it("see a valid run's Cognito requests and, on Node 20, the SDK's notice on stderr", async (context) => {
    const valid = await reliabilityScenario(POOL, ENTRIES);
    const result = await seedDirect(context, valid, ["--dry-run"], baseEnv);
    expect(result.code, output(result)).toBe(0);
    expect(proxy.requests.map((request) => request.email).sort()).toEqual([ALICE, BOB]);
    if (Number(process.versions.node.split(".")[0]) < 22) expect(result.stderr).toMatch(/NodeVersionSupportWarning/);
    expect(await rowsIn(valid.databaseUrl)).toBe(0);
  });
});
