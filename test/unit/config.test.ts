import { describe, expect, it } from "vitest";

import { findReportPath, parseSeedFlags as parseFlags, SEED_USAGE as USAGE } from "../../src/seed/cli/flags.js";
import { exitCodeFor } from "../../src/shared/cli/exit-codes.js";
import { UsageError } from "../../src/shared/cli/usage.js";
import { ConfigError } from "../../src/shared/config/ConfigError.js";
import { migrationUrl, readDatabaseUrls, readEnvironment } from "../../src/shared/config/environment.js";

const REQUIRED = {
  DATABASE_URL: "postgresql://flip:s3cret@db.internal:5432/flip?schema=public",
  AWS_REGION: "eu-west-2",
  AWS_COGNITO_USER_POOL_ID: "eu-west-2_AbCdEf123",
};

/** The problems `readEnvironment` reports; fails the test unless it throws a ConfigError. */
function configProblems(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    readEnvironment(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  expect.fail("readEnvironment accepted an invalid environment");
}

/** The error `parseFlags` throws; fails the test unless it throws a UsageError. */
function usageError(argv: string[]): UsageError {
  try {
    parseFlags(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  expect.fail(`parseFlags accepted ${JSON.stringify(argv)}`);
}

describe("readEnvironment", () => {
  it("accepts a Unix-socket URL, which names its directory with ?host=", () => {
    const url = "postgresql://flip@localhost/flip?host=/var/run/postgresql";
    expect(readEnvironment({ ...REQUIRED, DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(readEnvironment({ ...REQUIRED, DATABASE_URL: "postgresql:///flip?host=/var/run/postgresql" }).databaseUrl).toContain("host=");
  });

  it("leaves unset figures unset, for the module that uses each to apply its own default", () => {
    expect(readEnvironment(REQUIRED)).toEqual({
      databaseUrl: REQUIRED.DATABASE_URL,
      region: "eu-west-2",
      userPoolId: "eu-west-2_AbCdEf123",
      usersFile: "prisma/seed-users.json",
      logLevel: "info",
      redactEmails: true,
      cognito: { connectTimeoutMs: undefined, requestTimeoutMs: undefined, requestsPerSecond: undefined },
      database: { connectTimeoutMs: undefined, transactionTimeoutMs: undefined },
    });
  });

  it("takes every override", () => {
    const env = {
      ...REQUIRED,
      SEED_USERS_FILE: "/etc/flip/users.json",
      LOG_LEVEL: "debug",
      SEED_REDACT_EMAILS: "false",
      SEED_COGNITO_CONNECT_TIMEOUT_MS: "1",
      SEED_COGNITO_REQUEST_TIMEOUT_MS: "600000",
      SEED_DATABASE_CONNECT_TIMEOUT_MS: "2500",
      SEED_TRANSACTION_TIMEOUT_MS: "30000",
      SEED_COGNITO_RPS: "25",
    };
    expect(readEnvironment(env)).toEqual({
      databaseUrl: REQUIRED.DATABASE_URL,
      region: "eu-west-2",
      userPoolId: "eu-west-2_AbCdEf123",
      usersFile: "/etc/flip/users.json",
      logLevel: "debug",
      redactEmails: false,
      cognito: { connectTimeoutMs: 1, requestTimeoutMs: 600000, requestsPerSecond: 25 },
      database: { connectTimeoutMs: 2500, transactionTimeoutMs: 30000 },
    });
  });

  it.each(["fatal", "error", "warn", "info", "debug", "trace", "silent"])("accepts LOG_LEVEL=%s", (level) => {
    expect(readEnvironment({ ...REQUIRED, LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it.each([
    ["true", true],
    ["false", false],
  ])("reads SEED_REDACT_EMAILS=%s", (value, expected) => {
    expect(readEnvironment({ ...REQUIRED, SEED_REDACT_EMAILS: value }).redactEmails).toBe(expected);
  });

  it.each([
    "postgres://flip@localhost/flip",
    "postgresql://flip:pw@127.0.0.1:6543/flip",
    "postgresql://flip:pw@[::1]:5432/flip?schema=app",
  ])("accepts the database URL %s", (url) => {
    expect(readEnvironment({ ...REQUIRED, DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it.each(["us-east-1", "ap-southeast-2", "us-gov-west-1"])("accepts the region %s", (region) => {
    expect(readEnvironment({ ...REQUIRED, AWS_REGION: region, AWS_COGNITO_USER_POOL_ID: `${region}_AbCdEf123` }).region).toBe(region);
  });

  it("refuses a pool id of another region, naming both regions", () => {
    expect(configProblems({ ...REQUIRED, AWS_REGION: "eu-west-2", AWS_COGNITO_USER_POOL_ID: "eu-west-1_AbCdEf123" })).toEqual([
      "AWS_COGNITO_USER_POOL_ID: names region eu-west-1 but AWS_REGION is eu-west-2: set AWS_REGION to the pool's region",
    ]);
  });

  it("reports the region mismatch beside other problems, and not over a malformed region", () => {
    const mismatch = { ...REQUIRED, AWS_COGNITO_USER_POOL_ID: "us-east-1_AbCdEf123", LOG_LEVEL: "loud" };
    expect(configProblems(mismatch)).toEqual([
      expect.stringMatching(/^LOG_LEVEL: /),
      "AWS_COGNITO_USER_POOL_ID: names region us-east-1 but AWS_REGION is eu-west-2: set AWS_REGION to the pool's region",
    ]);
    expect(configProblems({ ...mismatch, LOG_LEVEL: "info", AWS_REGION: "london" })).toEqual([
      "AWS_REGION: must be an AWS region such as eu-west-2",
    ]);
  });

  it("leaves a pool id whose prefix is not a region (cognito-local's local_…) to its endpoint", () => {
    expect(readEnvironment({ ...REQUIRED, AWS_COGNITO_USER_POOL_ID: "local_7Fm05ksz" }).userPoolId).toBe("local_7Fm05ksz");
  });

  it("ignores unrelated variables", () => {
    expect(readEnvironment({ ...REQUIRED, PATH: "/usr/bin", HOME: "/root", AWS_PROFILE: "x" }).region).toBe("eu-west-2");
  });

  it("reports every missing required variable, one problem each", () => {
    const problems = configProblems({});
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^DATABASE_URL: is required/);
    expect(problems[1]).toMatch(/^AWS_REGION: is required/);
    expect(problems[2]).toMatch(/^AWS_COGNITO_USER_POOL_ID: is required/);
  });

  it("treats empty variables as unset", () => {
    const empty = { DATABASE_URL: "", AWS_REGION: "", AWS_COGNITO_USER_POOL_ID: "" };
    expect(configProblems(empty)).toEqual(configProblems({}));
    const withEmptyOptionals = {
      ...REQUIRED,
      SEED_USERS_FILE: "",
      LOG_LEVEL: "",
      SEED_REDACT_EMAILS: "",
      SEED_COGNITO_CONNECT_TIMEOUT_MS: "",
      SEED_COGNITO_REQUEST_TIMEOUT_MS: "",
      SEED_DATABASE_CONNECT_TIMEOUT_MS: "",
      SEED_TRANSACTION_TIMEOUT_MS: "",
    };
    expect(readEnvironment(withEmptyOptionals)).toEqual(readEnvironment(REQUIRED));
  });

  it.each([
    ["DATABASE_URL", "mysql://flip:s3cret@db.internal/flip", "must be a postgresql:// URL with a host (or ?host=/socket/directory)"],
    ["DATABASE_URL", "postgresql:///flip", "must be a postgresql:// URL with a host (or ?host=/socket/directory)"],
    ["DATABASE_URL", "postgresql://flip:s3cret@/flip", "must be a postgresql:// URL with a host (or ?host=/socket/directory)"],
    ["DATABASE_URL", "db.internal:5432/flip s3cret", "must be a postgresql:// URL with a host (or ?host=/socket/directory)"],
    ["SEED_COGNITO_RPS", "0", "must be between 1 and 1000"],
    ["SEED_COGNITO_RPS", "2.5", "must be a whole number of requests per second"],
    ["AWS_REGION", "EU-WEST-2", "must be an AWS region such as eu-west-2"],
    ["AWS_REGION", "eu-west", "must be an AWS region such as eu-west-2"],
    ["AWS_REGION", "london", "must be an AWS region such as eu-west-2"],
    ["AWS_COGNITO_USER_POOL_ID", "AbCdEf123", "must be a user pool id such as eu-west-2_AbCdEf123"],
    ["AWS_COGNITO_USER_POOL_ID", "eu-west-2_Ab Cd", "must be a user pool id such as eu-west-2_AbCdEf123"],
    ["AWS_COGNITO_USER_POOL_ID", "eu-west-2_", "must be a user pool id such as eu-west-2_AbCdEf123"],
    ["LOG_LEVEL", "verbose", "must be one of fatal, error, warn, info, debug, trace, silent"],
    ["LOG_LEVEL", "INFO", "must be one of fatal, error, warn, info, debug, trace, silent"],
    ["SEED_REDACT_EMAILS", "yes", "must be true or false"],
    ["SEED_REDACT_EMAILS", "TRUE", "must be true or false"],
    ["SEED_REDACT_EMAILS", "0", "must be true or false"],
    ["SEED_COGNITO_CONNECT_TIMEOUT_MS", "1.5", "must be a whole number of milliseconds"],
    ["SEED_COGNITO_CONNECT_TIMEOUT_MS", "0", "must be between 1 and 600000"],
    ["SEED_COGNITO_REQUEST_TIMEOUT_MS", "5s", "must be a whole number of milliseconds"],
    ["SEED_COGNITO_REQUEST_TIMEOUT_MS", "600001", "must be between 1 and 600000"],
    ["SEED_DATABASE_CONNECT_TIMEOUT_MS", "-1", "must be a whole number of milliseconds"],
    ["SEED_DATABASE_CONNECT_TIMEOUT_MS", "0", "must be between 1 and 600000"],
    ["SEED_TRANSACTION_TIMEOUT_MS", "1e3", "must be a whole number of milliseconds"],
    ["SEED_TRANSACTION_TIMEOUT_MS", "86400000", "must be between 1 and 600000"],
  ])("rejects %s=%j, naming the variable", (name, value, message) => {
    expect(configProblems({ ...REQUIRED, [name]: value })).toEqual([`${name}: ${message}`]);
  });

  it("never echoes the database password", () => {
    const problems = configProblems({ ...REQUIRED, DATABASE_URL: "mysql://flip:s3cret@db.internal/flip" });
    expect(problems.join("\n")).not.toContain("s3cret");
  });

  describe("DIRECT_URL", () => {
    const DIRECT = "postgresql://owner:0wn3r-pw@db-primary.internal:5432/flip?schema=public";

    it("is optional: without it, migrations use DATABASE_URL", () => {
      const config = readEnvironment(REQUIRED);
      expect(config.directUrl).toBeUndefined();
      expect(migrationUrl(config)).toEqual({ url: REQUIRED.DATABASE_URL, variable: "DATABASE_URL" });
      // Empty counts as unset, as for every variable.
      expect(readEnvironment({ ...REQUIRED, DIRECT_URL: "" }).directUrl).toBeUndefined();
    });

    it("when set, is where migrations go; the seed keeps DATABASE_URL", () => {
      const config = readEnvironment({ ...REQUIRED, DIRECT_URL: DIRECT });
      expect(config.databaseUrl).toBe(REQUIRED.DATABASE_URL);
      expect(config.directUrl).toBe(DIRECT);
      expect(migrationUrl(config)).toEqual({ url: DIRECT, variable: "DIRECT_URL" });
    });

    it.each(["mysql://owner:0wn3r-pw@db/flip", "postgresql:///flip", "db-primary.internal:5432"])(
      "is held to DATABASE_URL's rule: %j is refused in one line, without its password",
      (value) => {
        const problems = configProblems({ ...REQUIRED, DIRECT_URL: value });
        expect(problems).toEqual(["DIRECT_URL: must be a postgresql:// URL with a host (or ?host=/socket/directory)"]);
      },
    );

    it("must name the same ?schema= as DATABASE_URL (public when unset), reported beside any other problem", () => {
      const differs = { ...REQUIRED, DIRECT_URL: "postgresql://owner@db-primary.internal/flip?schema=flip_users", AWS_REGION: "x" };
      expect(configProblems(differs)).toEqual([
        "AWS_REGION: must be an AWS region such as eu-west-2",
        "DIRECT_URL: names schema flip_users but DATABASE_URL names public: give both the same ?schema=, the schema flip-db's tables live in",
      ]);
      expect(readEnvironment({ ...REQUIRED, DIRECT_URL: "postgresql://owner@db-primary.internal/flip" }).directUrl).toBeDefined();
    });

    it("readDatabaseUrls reads the two URLs alone, by the same rules", () => {
      expect(readDatabaseUrls({ DATABASE_URL: REQUIRED.DATABASE_URL, DIRECT_URL: DIRECT })).toEqual({
        databaseUrl: REQUIRED.DATABASE_URL,
        directUrl: DIRECT,
      });
      expect(() => readDatabaseUrls({ DIRECT_URL: DIRECT })).toThrow(ConfigError);
      try {
        readDatabaseUrls({ DATABASE_URL: REQUIRED.DATABASE_URL, DIRECT_URL: "nope" });
      } catch (error) {
        expect((error as ConfigError).problems).toEqual([
          "DIRECT_URL: must be a postgresql:// URL with a host (or ?host=/socket/directory)",
        ]);
      }
      expect.assertions(3);
    });
  });

  it("reports several malformed variables together, and exits 1", () => {
    let thrown: unknown;
    try {
      readEnvironment({ ...REQUIRED, AWS_REGION: "nowhere", LOG_LEVEL: "loud", SEED_TRANSACTION_TIMEOUT_MS: "0" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(exitCodeFor(error)).toBe(1);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.problems.map((problem) => problem.split(":")[0])).toEqual(["AWS_REGION", "LOG_LEVEL", "SEED_TRANSACTION_TIMEOUT_MS"]);
  });
});

describe("parseFlags", () => {
  it("defaults every flag to off", () => {
    expect(parseFlags([])).toEqual({ dryRun: false, strict: false, users: undefined, report: undefined, lookup: "auto", help: false });
  });

  it.each([
    [["--dry-run"], { dryRun: true }],
    [["--strict"], { strict: true }],
    [["--users", "users.json"], { users: "users.json" }],
    [["--users=users.json"], { users: "users.json" }],
    [["--report", "out/report.json"], { report: "out/report.json" }],
    [["--report=out/report.json"], { report: "out/report.json" }],
    [["-h"], { help: true }],
    [["--help"], { help: true }],
    [["--lookup", "scan"], { lookup: "scan" }],
    [["--lookup=filter"], { lookup: "filter" }],
  ])("reads %j", (argv, expected) => {
    expect(parseFlags(argv)).toEqual({
      dryRun: false,
      strict: false,
      users: undefined,
      report: undefined,
      lookup: "auto",
      help: false,
      ...expected,
    });
  });

  it("reads every flag at once, in any order", () => {
    expect(parseFlags(["--report", "r.json", "--strict", "--users=u.json", "--dry-run"])).toEqual({
      dryRun: true,
      strict: true,
      users: "u.json",
      report: "r.json",
      lookup: "auto",
      help: false,
    });
  });

  it.each([
    [["--force"], "unknown flag --force"],
    [["--lookup", "fast"], "--lookup must be one of auto, filter, scan"],
    [["-x"], "unknown flag -x"],
    [["--dry-run", "--users-file", "u.json"], "unknown flag --users-file"],
    [["--users"], "--users needs a value"],
    [["--dry-run", "--report"], "--report needs a value"],
    [["--users="], "--users needs a file name"],
    [["--report="], "--report needs a file name"],
    [["--report", ""], "--report needs a file name"],
    [["--dry-run=yes"], "--dry-run takes no value"],
    [["--strict=false"], "--strict takes no value"],
    [["users.json"], "unexpected argument users.json"],
    [["--dry-run", "now"], "unexpected argument now"],
  ])("rejects %j with one line naming the problem, exit code 2", (argv, message) => {
    const error = usageError(argv);
    expect(error.problems).toEqual([`${message}; see --help`]);
    expect(exitCodeFor(error)).toBe(2);
    expect(error.code).toBe("USAGE");
  });

  // node:util calls such a value "ambiguous" rather than missing: a flag must never be swallowed as a file name.
  it.each([
    [["--users", "--dry-run"], "--users needs a value"],
    [["--report", "-h"], "--report needs a value"],
  ])("says a value is missing when %j gives another flag instead", (argv, message) => {
    expect(usageError(argv).problems).toEqual([`${message}; see --help`]);
  });
});

describe("findReportPath", () => {
  it.each([
    [["--report", "r.json"], "r.json"],
    [["--report=r.json"], "r.json"],
    [["--bogus", "--report", "r.json"], "r.json"],
    [["stray", "--report", "r.json", "--users"], "r.json"],
    [["--report", "r.json", "--dry-run=yes"], "r.json"],
    [["--users=", "--report=out/r.json"], "out/r.json"],
  ])("recovers the report path from %j", (argv, expected) => {
    expect(findReportPath(argv)).toBe(expected);
  });

  it("recovers it from arguments parseFlags rejects", () => {
    const argv = ["--what", "--report", "r.json"];
    expect(() => parseFlags(argv)).toThrow(UsageError);
    expect(findReportPath(argv)).toBe("r.json");
  });

  it.each([[[]], [["--dry-run"]], [["--report"]], [["--report="]], [["--report", ""]]])("finds none in %j", (argv) => {
    expect(findReportPath(argv)).toBeUndefined();
  });
});

describe("USAGE", () => {
  it.each(["--dry-run", "--strict", "--users <file>", "--report <file>", "SEED_USERS_FILE", "prisma/seed-users.json"])(
    "mentions %s",
    (text) => {
      expect(USAGE).toContain(text);
    },
  );

  it("states the exit codes", () => {
    expect(USAGE).toContain("0 success, 1 fatal, 2 usage error");
  });
});
