import { Writable } from "node:stream";

import { describe, expect, it } from "vitest";
import { mock } from "vitest-mock-extended";

import type { Lookup } from "../../src/directory/identity-directory.js";
import {
  buildReport,
  countOutcomes,
  logOutcome,
  logUser,
  type SeedReport,
  type SeedSummary,
  type UserReport,
} from "../../src/seed/report.js";
import { createLogger, createScrubber, redactEmail, secretsFromEnvironment, type SeedLogger } from "../../src/shared/logging.js";

describe("redactEmail", () => {
  it.each([
    ["alice@example.org", "a***@example.org"],
    ["a@example.org", "a***@example.org"],
    ["first.last+tag@sub.example.org", "f***@sub.example.org"],
    ["no-at-sign", "***"],
    ["@example.org", "***"],
  ])("%s -> %s", (email, redacted) => {
    expect(redactEmail(email)).toBe(redacted);
  });
});

describe("countOutcomes", () => {
  it("counts every outcome, zeros included", () => {
    expect(countOutcomes([{ outcome: "resolved" }, { outcome: "transient" }, { outcome: "resolved" }])).toEqual({
      resolved: 2,
      not_found: 0,
      ineligible: 0,
      ambiguous: 0,
      transient: 1,
    });
  });
});

describe("the scrubber", () => {
  const env = {
    DATABASE_URL: "postgresql://flip:pa%40ss-SENTINEL@db:5432/flip",
    AWS_SECRET_ACCESS_KEY: "SECRET-KEY-SENTINEL",
    AWS_SESSION_TOKEN: "SESSION-TOKEN-SENTINEL",
  };
  const scrub = createScrubber(secretsFromEnvironment(env));

  it("removes the database password (raw and decoded), the secret key and the session token", () => {
    const text = `url=${env.DATABASE_URL} decoded=pa@ss-SENTINEL key=SECRET-KEY-SENTINEL token=SESSION-TOKEN-SENTINEL`;
    const scrubbed = scrub(text);
    expect(scrubbed).not.toMatch(/SENTINEL/);
    expect(scrubbed).toContain("key=[redacted]");
  });

  it("removes DIRECT_URL's password too, raw and decoded, wherever it shows", () => {
    const direct = createScrubber(
      secretsFromEnvironment({ ...env, DIRECT_URL: "postgresql://owner:d1r%23ect-SENTINEL@primary:5432/flip" }),
    );
    expect(direct("owner's password is d1r#ect-SENTINEL, or d1r%23ect-SENTINEL in the URL")).not.toMatch(/SENTINEL/);
  });

  it("removes the password of any URL, even one it was not told about", () => {
    expect(scrub("connect to postgres://other:hunter2@elsewhere/db")).toBe("connect to postgres://other:[redacted]@elsewhere/db");
  });

  describe("a secret shorter than 8 characters", () => {
    // The dev stack's database password and AWS secret: also ordinary words.
    const short = createScrubber(
      secretsFromEnvironment({ DATABASE_URL: "postgresql://flip:flip@127.0.0.1:5432/flip", AWS_SECRET_ACCESS_KEY: "local" }),
    );

    it.each([
      ["database flip at 127.0.0.1:5432", "database flip at 127.0.0.1:5432"],
      ['role ("flip-dev") may connect', 'role ("flip-dev") may connect'],
      ["pool local_7Fm05ksz in cognito-local", "pool local_7Fm05ksz in cognito-local"],
      ["flipping a local flag", "flipping a local flag"],
    ])("is left alone inside other words: %s", (text, expected) => {
      expect(short(text)).toBe(expected);
      expect(short(text)).not.toContain("[redacted]");
    });

    it.each([
      ["flip", "[redacted]"],
      ["local", "[redacted]"],
      ["password=flip host=db", "password=[redacted] host=db"],
      ['{"password": "flip"}', '{"password": "[redacted]"}'],
      ["AWS_SECRET_ACCESS_KEY=local", "AWS_SECRET_ACCESS_KEY=[redacted]"],
      ["postgresql://flip:flip@db:5432/flip", "postgresql://flip:[redacted]@db:5432/flip"],
    ])("is scrubbed where it stands as a value: %s", (text, expected) => {
      expect(short(text)).toBe(expected);
    });

    it("is scrubbed as a whole field value in a log line", () => {
      let written = "";
      const destination = new Writable({
        write(chunk, _encoding, done) {
          written += String(chunk);
          done();
        },
      });
      createLogger({ level: "info", pretty: false, scrub: short, destination }).info(
        { password: "flip", database: "flip-dev" },
        "database flip",
      );
      expect(JSON.parse(written)).toMatchObject({ password: "[redacted]", database: "flip-dev", msg: "database flip" });
    });
  });

  it("scrubs a secret of 8 characters or more wherever its text appears", () => {
    expect(createScrubber(["hunter22"])("xhunter22x and hunter22")).toBe("x[redacted]x and [redacted]");
  });

  it("applies to every line the logger writes, message and fields alike", () => {
    let written = "";
    const destination = new Writable({
      write(chunk, _encoding, done) {
        written += String(chunk);
        done();
      },
    });
    const logger = createLogger({ level: "info", pretty: false, scrub, destination });
    logger.error({ detail: { nested: "SECRET-KEY-SENTINEL" } }, "failed with SESSION-TOKEN-SENTINEL");
    expect(written).toContain("[redacted]");
    expect(written).not.toMatch(/SENTINEL/);
    expect(JSON.parse(written)).toMatchObject({ level: "error" });
  });

  it("on a terminal, writes readable lines, scrubbed too", () => {
    let written = "";
    const destination = new Writable({
      write(chunk, _encoding, done) {
        written += String(chunk);
        done();
      },
    });
    const logger = createLogger({ level: "info", pretty: true, scrub, destination });
    logger.warn({ reason: "x" }, "users[1] b***@example.org (Viewer): skipped with SESSION-TOKEN-SENTINEL");
    expect(written).toMatch(/WARN.*users\[1\] b\*\*\*@example\.org \(Viewer\): skipped with \[redacted\]/);
    expect(() => JSON.parse(written) as unknown).toThrow();
  });
});

describe("logUser", () => {
  const resolved: UserReport = {
    entry: 2,
    email: "a***@example.org",
    role: "Researcher",
    outcome: "resolved",
    profile: "unchanged",
    grant: "grant",
    trustScopedRoles: 0,
  };
  const linesOf = (user: UserReport) => {
    const logger = mock<SeedLogger>();
    logUser(logger, user);
    return { info: logger.info.mock.calls, warn: logger.warn.mock.calls };
  };

  it("names the trust-scoped roles a user holds only when there are some, and always carries the count", () => {
    // The fields: the user's report entry, as it is.
    expect(linesOf(resolved).info).toEqual([[{ ...resolved }, "users[2] a***@example.org (Researcher): profile unchanged, role granted"]]);
    expect(linesOf({ ...resolved, trustScopedRoles: 1 }).info[0]?.[1]).toBe(
      "users[2] a***@example.org (Researcher): profile unchanged, role granted; holds 1 trust-scoped role",
    );
    expect(linesOf({ ...resolved, grant: "adopt", trustScopedRoles: 3 }).info[0]?.[1]).toBe(
      "users[2] a***@example.org (Researcher): profile unchanged, already holds a global role; bootstrap recorded; holds 3 trust-scoped roles",
    );
  });

  it("a bootstrap recorded over trust-scoped roles only is a warning that says what to do", () => {
    const { info, warn } = linesOf({ ...resolved, grant: "keep", trustScopedRoles: 1, warning: "trust_only_bootstrap" });
    expect(info).toEqual([]);
    expect(warn).toHaveLength(1);
    expect(warn[0]?.[0]).toMatchObject({ entry: 2, grant: "keep", trustScopedRoles: 1, warning: "trust_only_bootstrap" });
    expect(warn[0]?.[1]).toBe(
      "users[2] a***@example.org (Researcher): profile unchanged; bootstrapped before, yet holds no global role, only " +
        "trust-scoped roles older than that record: a 0.1.0 replica may have taken those for a platform role and recorded " +
        "the bootstrap without granting one, or an admin removed the role since; nothing granted. To give the user " +
        "Researcher, grant it by hand, or delete the user's seed_grant row and the next boot grants it",
    );
  });
});

describe("the summary line and the report's summary", () => {
  const user = (entry: number, outcome: UserReport["outcome"]): UserReport => ({
    entry,
    email: `u${entry}***@example.org`,
    role: "Viewer",
    outcome,
    ...(outcome === "resolved" ? { profile: "unchanged", grant: "keep", trustScopedRoles: 0, heldRoles: ["Viewer"] } : { reason: "r" }),
  });
  const report = (users: UserReport[], summary: SeedSummary = "all_resolved", dryRun = false): SeedReport => ({
    status: "ok",
    summary,
    directory: "Cognito",
    problems: [],
    dryRun,
    strict: false,
    startedAt: "",
    durationMs: 1,
    counts: countOutcomes(users),
    users,
  });
  const summaryCall = (logger: ReturnType<typeof mock<SeedLogger>>) =>
    (["info", "warn", "error"] as const).flatMap((level) =>
      logger[level].mock.calls.filter(([, message]) => / users seeded, /.test(message)).map(([, message]) => ({ level, message })),
    );

  it.each<[SeedSummary, UserReport["outcome"][], "info" | "warn" | "error", RegExp]>([
    ["all_resolved", ["resolved", "resolved"], "info", /^2 of 2 users seeded, 0 skipped .*; 0 rows written$/],
    ["some_skipped", ["resolved", "not_found"], "warn", /^1 of 2 users seeded, 1 skipped .*; see the skipped users above$/],
    [
      "directory_unreachable",
      ["transient", "transient", "transient", "transient"],
      "error",
      /^0 of 4 users seeded, 4 skipped \(0 not found, 0 ineligible, 0 ambiguous, 4 transient\); 0 rows written; Cognito was unreachable for every user: the boot goes on without them; check that this host reaches Cognito, then boot again \(--strict stops the boot instead\)$/,
    ],
  ])("%s: the summary is at %s", (summary, outcomes, level, message) => {
    const logger = mock<SeedLogger>();
    logOutcome(
      logger,
      report(
        outcomes.map((outcome, entry) => user(entry, outcome)),
        summary,
      ),
      undefined,
    );
    expect(summaryCall(logger)).toEqual([{ level, message: expect.stringMatching(message) }]);
  });

  it("buildReport says the same in summary, with the directory's name", () => {
    const lookups: Record<"resolved" | "transient" | "not_found", Lookup> = {
      resolved: { status: "resolved", sub: "s" },
      transient: { status: "transient", reason: "refused", throttled: false },
      not_found: { status: "not_found" },
    };
    const resolutions = (statuses: Array<keyof typeof lookups>) => ({
      directoryName: "Keycloak",
      choice: { strategy: "filter" as const, filterCalls: 1, reason: "r" },
      calls: 1,
      throttleRetries: 0,
      resolutions: statuses.map((status, i) => ({
        user: { email: `u${i}@example.org`, name: "U", organisation: "O", role: "Viewer" as const },
        lookup: lookups[status],
      })),
    });
    const run = { dryRun: false, strict: false, startedAt: new Date(0), durationMs: 1, redactEmails: true };
    expect(buildReport({ ...run, resolution: resolutions(["transient", "transient"]) })).toMatchObject({
      summary: "directory_unreachable",
      directory: "Keycloak",
    });
    expect(buildReport({ ...run, resolution: resolutions(["resolved", "transient"]) }).summary).toBe("some_skipped");
    expect(buildReport({ ...run, resolution: resolutions(["resolved", "not_found"]) }).summary).toBe("some_skipped");
    expect(buildReport({ ...run, resolution: resolutions(["resolved"]) }).summary).toBe("all_resolved");
    expect(buildReport({ ...run, resolution: resolutions([]) }).summary).toBe("all_resolved");
  });

  it("a dry run says what would be done, not what was", () => {
    const logger = mock<SeedLogger>();
    const fresh: UserReport = {
      entry: 0,
      email: "a***@example.org",
      role: "Admin",
      outcome: "resolved",
      profile: "create",
      grant: "grant",
      trustScopedRoles: 0,
      heldRoles: [],
    };
    const adopted: UserReport = { ...fresh, entry: 1, profile: "update", grant: "adopt", heldRoles: ["Admin"] };
    logOutcome(logger, report([fresh, adopted], "all_resolved", true), undefined);
    expect(logger.info.mock.calls.map(([, message]) => message)).toEqual([
      "users[0] a***@example.org (Admin): profile would be created, role would be granted",
      "users[1] a***@example.org (Admin): profile would be updated, already holds a global role; bootstrap would be recorded",
      expect.stringMatching(/^dry run: 2 of 2 users seeded, .*; 0 rows would be written$/),
    ]);
  });
});
