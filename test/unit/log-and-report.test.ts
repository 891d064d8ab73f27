import { Writable } from "node:stream";

import { describe, expect, it } from "vitest";

import { countOutcomes } from "../../src/seed/report.js";
import { createLogger, createScrubber, redactEmail, secretsFromEnvironment } from "../../src/shared/logging.js";

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

  it("leaves short would-be secrets alone rather than blanking ordinary words", () => {
    expect(createScrubber(["pw"])("pw is short")).toBe("pw is short");
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
