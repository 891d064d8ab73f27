import { Writable } from "node:stream";

import { AccessDeniedException } from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";

import type { DoctorDependencies } from "../../../src/doctor/checks.js";
import { DOCTOR_USAGE as USAGE, runDoctor, type DoctorRunDependencies } from "../../../src/doctor/run.js";
import { ManifestError } from "../../../src/manifest/ManifestError.js";
import { EXIT_FATAL, EXIT_OK, EXIT_USAGE } from "../../../src/shared/cli/exit-codes.js";
import { scriptedCognito } from "../../support/scripted-cognito.js";

const DB_PASSWORD = "SENTINEL-db-pw-71c3";
const DIRECT_PASSWORD = "SENTINEL-direct-pw-5d0e";
const SECRET_KEY = "SENTINEL-aws-secret-9f2a";
const SESSION_TOKEN = "SENTINEL-aws-session-4b8e";
const EMAIL = "alice.smith@example.org";

const ENV: NodeJS.ProcessEnv = {
  DATABASE_URL: `postgresql://flip:${DB_PASSWORD}@db.internal:6543/flip`,
  AWS_REGION: "eu-west-2",
  AWS_COGNITO_USER_POOL_ID: "eu-west-2_AbC123",
  AWS_SECRET_ACCESS_KEY: SECRET_KEY,
  AWS_SESSION_TOKEN: SESSION_TOKEN,
  SEED_USERS_FILE: "users.json",
};

const PASSING: DoctorDependencies = {
  loadManifest: async () => [{ email: EMAIL, name: "Alice", organisation: "North Trust", role: "Admin" }],
  pingDatabase: async () => ({ serverVersion: "18.1" }),
  probeTransactionPooler: async () => ({ transactionPooler: false }),
  readMigrationHistory: async () => [{ migration_name: "20261128063814_init", finished_at: new Date(0), rolled_back_at: null }],
  listMigrations: async () => ["20261128063814_init"],
  openDirectory: scriptedCognito({ describePool: async () => ({ UserPool: { Name: "flip-users" } }) }).open,
};

function stream(isTTY = false) {
  let text = "";
  const writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString("utf8");
      callback();
    },
  });
  return Object.assign(writable, { isTTY, text: () => text });
}

async function doctor(options: { argv?: string[]; env?: NodeJS.ProcessEnv; overrides?: Partial<DoctorDependencies>; tty?: boolean } = {}) {
  const output = stream(options.tty);
  const errors = stream();
  const calls: string[] = [];
  const deps = Object.fromEntries(
    Object.entries({ ...PASSING, ...options.overrides }).map(([name, probe]) => [
      name,
      (...args: unknown[]) => {
        calls.push(name);
        return (probe as (...args: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as DoctorDependencies;
  const overrides: Partial<DoctorRunDependencies> = { ...deps, output, errors };
  const code = await runDoctor({ argv: options.argv ?? [], env: options.env ?? ENV }, overrides);
  return { code, stdout: output.text(), stderr: errors.text(), calls };
}

describe("npm run doctor", () => {
  it("prints the seven checks and a summary, and exits 0 when all pass", async () => {
    const run = await doctor();
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout.split("\n")).toEqual([
      "PASS  configuration       database flip at db.internal:6543; user pool eu-west-2_AbC123 in eu-west-2",
      "PASS  manifest            1 user in users.json (1 Admin)",
      "PASS  database reachable  PostgreSQL 18.1 at db.internal:6543, database flip",
      "PASS  direct connection   migrations use DATABASE_URL (DIRECT_URL is not set): one session per connection, no transaction-mode pooler",
      "PASS  migrations          1 of 1 applied, the latest 20261128063814_init",
      'PASS  Cognito user pool   eu-west-2_AbC123 ("flip-users") in eu-west-2',
      "PASS  Cognito lookups     the credentials may call ListUsers on eu-west-2_AbC123",
      "doctor: all 7 checks passed",
      "",
    ]);
    expect(run.stderr).toBe("");
  });

  it("marks instead of words on a terminal", async () => {
    const run = await doctor({
      tty: true,
      overrides: {
        openDirectory: scriptedCognito({ listUsers: () => Promise.reject(new AccessDeniedException({ message: "no", $metadata: {} })) })
          .open,
      },
    });
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^✓ {2}configuration {7}database flip/);
    expect(lines[6]).toMatch(/^✗ {2}Cognito lookups {5}ListUsers: the credentials may not make this call/);
    expect(run.stdout).not.toMatch(/PASS|FAIL/);
  });

  it.each<[string, Partial<DoctorDependencies> | undefined, NodeJS.ProcessEnv | undefined, RegExp]>([
    ["configuration", undefined, { ...ENV, AWS_REGION: undefined }, /^FAIL {2}configuration {7}AWS_REGION: is required/m],
    [
      "manifest",
      { loadManifest: () => Promise.reject(new ManifestError(["manifest users.json: cannot be read (file not found)"])) },
      undefined,
      /^FAIL {2}manifest {12}users\.json: cannot be read/m,
    ],
    [
      "database reachable",
      { pingDatabase: () => Promise.reject(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })) },
      undefined,
      /^FAIL {2}database reachable {2}cannot reach the database/m,
    ],
    [
      "direct connection",
      { probeTransactionPooler: async () => ({ transactionPooler: true, evidence: "a setting made on one connection showed on another" }) },
      undefined,
      /^FAIL {2}direct connection {3}DATABASE_URL reaches db\.internal:6543 through a transaction-mode pooler .*: set DIRECT_URL to PostgreSQL itself/m,
    ],
    [
      "migrations",
      { readMigrationHistory: async () => [] },
      undefined,
      /^FAIL {2}migrations {10}1 of 1 not applied \(20261128063814_init\): run npx prisma migrate deploy$/m,
    ],
    [
      "Cognito user pool",
      {
        openDirectory: scriptedCognito({ describePool: () => Promise.reject(new AccessDeniedException({ message: "no", $metadata: {} })) })
          .open,
      },
      undefined,
      /^FAIL {2}Cognito user pool {3}DescribeUserPool: /m,
    ],
    [
      "Cognito lookups",
      {
        openDirectory: scriptedCognito({ listUsers: () => Promise.reject(new AccessDeniedException({ message: "no", $metadata: {} })) })
          .open,
      },
      undefined,
      /^FAIL {2}Cognito lookups {5}ListUsers: /m,
    ],
  ])("exits 1 when %s fails, with its line", async (_name, overrides, env, line) => {
    const run = await doctor({ overrides, env });
    expect(run.code).toBe(EXIT_FATAL);
    expect(run.stdout).toMatch(line);
    expect(run.stdout.match(/^FAIL/gm)).toHaveLength(1);
    expect(run.stdout).toMatch(/^doctor: 1 failed, .*: fix what the failed checks say, then run npm run doctor again$/m);
  });

  it("prints five SKIP lines after a configuration failure and contacts nothing", async () => {
    const run = await doctor({ env: { SEED_USERS_FILE: "users.json" } });
    expect(run.code).toBe(EXIT_FATAL);
    expect(run.stdout.match(/^SKIP .* skipped \(needs configuration\)$/gm)).toHaveLength(5);
    expect(run.calls).toEqual(["loadManifest"]);
  });

  it.each([
    [["--bogus"], "doctor: unknown flag --bogus; see --help"],
    [["--users"], "doctor: --users needs a value; see --help"],
    [["--users", "--help"], "doctor: --users needs a value; see --help"],
    [["--users="], "doctor: --users needs a file name; see --help"],
    [["--help=yes"], "doctor: --help takes no value; see --help"],
    [["extra"], "doctor: unexpected argument extra; see --help"],
  ])("a usage error %j exits 2 with one line on stderr and checks nothing", async (argv, message) => {
    const run = await doctor({ argv });
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toBe(`${message}\n`);
    expect(run.stdout).toBe("");
    expect(run.calls).toEqual([]);
  });

  it("--help prints the usage and checks nothing", async () => {
    for (const argv of [["--help"], ["-h"]]) {
      const run = await doctor({ argv });
      expect(run.code).toBe(EXIT_OK);
      expect(run.stdout).toBe(`${USAGE}\n`);
      expect(run.calls).toEqual([]);
    }
    expect(USAGE).toMatch(/--users <file>/);
  });

  it("--users names the manifest", async () => {
    let read: string | undefined;
    const run = await doctor({
      argv: ["--users", "elsewhere.json"],
      overrides: { loadManifest: async (path) => ((read = path), PASSING.loadManifest(path)) },
    });
    expect(read).toBe("elsewhere.json");
    expect(run.stdout).toMatch(/^PASS {2}manifest {12}1 user in elsewhere\.json/m);
  });

  it("never prints a secret or a full email, even when a library's message holds them", async () => {
    const leaky = (extra: Record<string, unknown> = {}) =>
      Object.assign(
        new Error(
          `failed for ${EMAIL} with ${DB_PASSWORD}, ${SECRET_KEY} and ${SESSION_TOKEN}\nat postgresql://flip:${DB_PASSWORD}@db/flip`,
        ),
        extra,
      );
    const run = await doctor({
      argv: [`--users=${EMAIL}.json`],
      overrides: {
        loadManifest: () => Promise.reject(new ManifestError([`manifest x: ${EMAIL} ${SECRET_KEY}`])),
        pingDatabase: () => Promise.reject(leaky({ code: "XX000" })),
        openDirectory: scriptedCognito({
          describePool: () => Promise.reject(leaky()),
          listUsers: () => Promise.reject(leaky({ name: "SomethingOdd", $fault: "client", $metadata: { httpStatusCode: 400 } })),
        }).open,
      },
    });
    expect(run.code).toBe(EXIT_FATAL);
    const printed = run.stdout + run.stderr;
    expect(printed.match(/^FAIL/gm)).toHaveLength(4);
    for (const secret of [DB_PASSWORD, SECRET_KEY, SESSION_TOKEN, EMAIL]) expect(printed).not.toContain(secret);
    expect(printed).toContain("a***@example.org");
    expect(printed).toContain("[redacted]");
    expect(printed).not.toMatch(/\n\s+at /);

    const usage = await doctor({ argv: [EMAIL] });
    expect(usage.stderr).toBe("doctor: unexpected argument a***@example.org; see --help\n");
  });

  it("never prints DIRECT_URL's password either", async () => {
    const directUrl = `postgresql://owner:${DIRECT_PASSWORD}@db-primary.internal:5432/flip`;
    const run = await doctor({
      env: { ...ENV, DIRECT_URL: directUrl },
      overrides: {
        probeTransactionPooler: () =>
          Promise.reject(Object.assign(new Error(`failed at ${directUrl} with ${DIRECT_PASSWORD}`), { code: "XX000" })),
      },
    });
    expect(run.code).toBe(EXIT_FATAL);
    expect(run.stdout).toMatch(
      /^FAIL {2}direct connection {3}the database at db-primary\.internal:5432 failed the check .*: check DIRECT_URL/m,
    );
    expect(run.stdout).not.toContain(DIRECT_PASSWORD);
    expect(run.stdout).toContain("[redacted]");
  });
});
