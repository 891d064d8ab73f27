/**
 * Property tests over generated manifests (suite 5, bad input): whatever the
 * manifest holds, the seed either runs or rejects it cleanly, never crashes.
 *
 * The generators make valid manifests (fast-check's RFC email addresses,
 * printable names and organisations, the three roles) and broken ones: any
 * JSON value, entries with wrong types, missing or extra fields, unicode,
 * control characters, quotes, huge strings, duplicate emails in another case,
 * and text that is not JSON at all. The rules the accepted entries are held
 * to are the README's, written out here independently of src/manifest.ts.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { COGNITO_PROFILE } from "../../src/directory/cognito-directory.js";
import { FatalDirectoryError } from "../../src/directory/FatalDirectoryError.js";
import type { ClosableDirectory } from "../../src/directory/from-config.js";
import type { Lookup } from "../../src/directory/identity-directory.js";
import { TransientDirectoryError } from "../../src/directory/TransientDirectoryError.js";
import { parseManifest, type ManifestEntry } from "../../src/manifest/index.js";
import { ManifestError } from "../../src/manifest/ManifestError.js";
import { runSeedCommand } from "../../src/seed/cli/command.js";
import { mockDatabase } from "../support/mock-database.js";

const SOURCE = "m.json";
const ROLE_NAMES = ["Admin", "Researcher", "Viewer"] as const;
const FIELDS = ["email", "name", "organisation", "role"] as const;

// ---------------------------------------------------------------------------------------------------------------
// The README's rules, stated on their own.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LINE_BREAK = /[\n\r]/;

/** An email the ListUsers filter can carry: a valid address of at most 254 characters, no `"`, `\`, whitespace or control character. */
function emailFollowsRules(email: unknown): boolean {
  return (
    typeof email === "string" && email.length <= 254 && !/["\\\s]/.test(email) && !CONTROL.test(email) && /^[^@]+@[^@]+\.[^@]+$/.test(email)
  );
}

/** A name or organisation: not blank, no control character, at most 255 characters (code points). */
function textFollowsRules(text: unknown): boolean {
  return typeof text === "string" && text.trim() !== "" && !CONTROL.test(text) && [...text].length <= 255;
}

/**
 * Every key and string in the manifest that looks like an email address: personal data, which the seed must
 * never quote back (its problems show where and what kind, never the value).
 */
function emailsIn(text: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      if (/^[a-z0-9][^@\s"]*@[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(value)) found.push(value);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        visit(key);
        visit(item);
      }
    }
  };
  visit(json);
  return found;
}

/** A plain dot-atom address with a letters-only top-level domain: no reading of RFC 5322 may reject it. */
const PLAIN_EMAIL = /^[a-z0-9]+(\.[a-z0-9]+)*@[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*\.[a-z]{2,}$/i;

// ---------------------------------------------------------------------------------------------------------------
// Generators.

const text = fc
  .oneof(
    { arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }), weight: 4 },
    // Long ones, up to the limit, of single code points (accents, emoji, CJK).
    { arbitrary: fc.string({ unit: "grapheme-composite", minLength: 240, maxLength: 255 }), weight: 1 },
  )
  .filter(textFollowsRules);

/** An everyday address: letters, digits and `.`, `_`, `+`, `-`, `'` in the local part, a hostname, a letters-only TLD. */
const everydayEmail = fc
  .tuple(
    fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9_+'-]{0,10}[a-zA-Z0-9])?(\.[a-zA-Z0-9]{1,8}){0,2}$/),
    fc.array(fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?$/), { minLength: 1, maxLength: 3 }),
    fc.stringMatching(/^[a-zA-Z]{2,6}$/),
  )
  .map(([local, labels, tld]) => `${local}@${labels.join(".")}.${tld}`);

// fast-check's own addresses use all of RFC 5322's atext (`#`, `/`, `{`, ...); the seed accepts few of them, so
// they are the minority here or almost every "valid" manifest would be rejected.
const email = fc.oneof({ arbitrary: everydayEmail, weight: 3 }, { arbitrary: fc.emailAddress(), weight: 1 });

const validEntry = fc.record({
  email,
  name: text,
  organisation: text,
  role: fc.constantFrom(...ROLE_NAMES),
});

const validUsers = fc.uniqueArray(validEntry, { minLength: 1, maxLength: 5, selector: (user) => user.email.toLowerCase() });

const validManifest = fc.record({ $schema: fc.string(), users: validUsers }, { requiredKeys: ["users"] });

/** Characters that have broken parsers, filters or logs somewhere. */
const NASTY = [
  '"',
  "\\",
  " ",
  "\t",
  "\n",
  "\r",
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\ufeff",
  "é",
  "😀",
  "@",
  ".",
  "'",
  "*",
];

function insertAt(into: string, position: number, what: string): string {
  const at = position % (into.length + 1);
  return `${into.slice(0, at)}${what}${into.slice(at)}`;
}

const nastyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...NASTY), maxLength: 12 }),
  fc.tuple(fc.emailAddress(), fc.nat(), fc.constantFrom(...NASTY)).map(([email, at, character]) => insertAt(email, at, character)),
  // Around the length limits: 254 for an email, 255 for a name.
  fc.integer({ min: 240, max: 270 }).map((length) => `${"a".repeat(length - 12)}@example.org`),
  fc.integer({ min: 250, max: 260 }).map((length) => "é".repeat(length)),
  fc.integer({ min: 0, max: 5_000 }).map((length) => "x".repeat(length)),
  fc.constantFrom('a@b.com" or email ^= "', 'a@b.com"or"x', "admin", "ADMIN", " Admin", "Viewer\n", "", "   "),
);

const anyValue = fc.oneof(nastyString, fc.anything({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }));

/** Names for fields that should not be there; some would be trouble if echoed back (a line break, an email). */
const extraKey = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 12 }),
  fc.constantFrom("admin", "Email", "__proto__", "constructor", "email ", "evil\nkey", "\u001b[2J"),
  fc.emailAddress(),
);

const entry = fc.oneof(
  { arbitrary: validEntry, weight: 3 },
  // One field replaced by anything, or dropped.
  {
    arbitrary: fc
      .record({ base: validEntry, field: fc.constantFrom(...FIELDS), value: fc.option(anyValue, { nil: undefined }) })
      .map(({ base, field, value }) => {
        const changed: Record<string, unknown> = { ...base, [field]: value };
        if (value === undefined) delete changed[field];
        return changed;
      }),
    weight: 4,
  },
  // A field too many.
  {
    arbitrary: fc
      .record({ base: validEntry, key: extraKey, value: fc.jsonValue({ maxDepth: 1 }) })
      .map(({ base, key, value }) => ({ ...base, [key]: value })),
    weight: 1,
  },
  // Not an object at all.
  { arbitrary: anyValue, weight: 1 },
);

const mutatedManifest = fc.oneof(
  fc.record({ users: fc.array(entry, { maxLength: 5 }) }),
  fc
    .record({ users: fc.array(entry, { minLength: 1, maxLength: 3 }), key: extraKey, value: fc.jsonValue({ maxDepth: 1 }) })
    .map(({ users, key, value }) => ({
      [key]: value,
      users,
    })),
  fc.record({ users: anyValue }),
  anyValue,
);

/** A valid manifest plus a copy of one of its entries whose email differs only in case. */
const duplicateManifest = fc.tuple(validUsers, fc.nat()).map(([users, index]) => {
  const copy = users[index % users.length]!;
  return { users: [...users, { ...copy, email: copy.email.toUpperCase() }] };
});

/** JSON.stringify, or the text "undefined" for what it cannot represent. */
function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "undefined";
  } catch {
    return String(value);
  }
}

/** Text-level damage to a valid manifest: cut short, a character slipped in, a byte-order mark in front. */
const damagedText = fc.oneof(
  fc.tuple(validManifest.map(stringify), fc.nat()).map(([json, at]) => json.slice(0, at % json.length)),
  fc.tuple(validManifest.map(stringify), fc.nat(), fc.constantFrom(...NASTY)).map(([json, at, character]) => insertAt(json, at, character)),
  validManifest.map((manifest) => `\ufeff${stringify(manifest)}`),
);

const manifestText = fc.oneof(
  { arbitrary: validManifest.map(stringify), weight: 3 },
  { arbitrary: mutatedManifest.map(stringify), weight: 4 },
  { arbitrary: duplicateManifest.map(stringify), weight: 1 },
  { arbitrary: damagedText, weight: 1 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 60 }), weight: 1 },
);

// ---------------------------------------------------------------------------------------------------------------
// Properties of parseManifest alone.

type Parsed = { ok: true; entries: ManifestEntry[] } | { ok: false; problems: readonly string[] };

/** parseManifest's answer; any exception other than a ManifestError fails the property. */
function parse(text: string, source = SOURCE): Parsed {
  try {
    return { ok: true, entries: parseManifest(text, source) };
  } catch (error) {
    if (!(error instanceof ManifestError))
      throw new Error(`parseManifest threw ${(error as Error)?.name}: ${(error as Error)?.message}`, { cause: error });
    return { ok: false, problems: error.problems };
  }
}

function expectCleanProblems(problems: readonly string[], source = SOURCE): void {
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) {
    expect(typeof problem).toBe("string");
    expect(problem.startsWith(`manifest ${source}: `), problem).toBe(true);
    expect(problem, "a problem spans more than one line").not.toMatch(LINE_BREAK);
  }
}

function expectEntriesFollowRules(entries: readonly ManifestEntry[], text: string): void {
  expect(entries.length).toBeGreaterThan(0);
  // The entries are the file's, untouched.
  // (A leading byte-order mark is not part of the JSON.)
  expect(entries).toEqual((JSON.parse(text.replace(/^\uFEFF/, "")) as { users: unknown }).users);
  for (const entry of entries) {
    expect(Object.keys(entry).sort()).toEqual(["email", "name", "organisation", "role"]);
    expect(emailFollowsRules(entry.email), `email ${JSON.stringify(entry.email)}`).toBe(true);
    expect(ROLE_NAMES).toContain(entry.role);
    expect(textFollowsRules(entry.name), `name ${JSON.stringify(entry.name)}`).toBe(true);
    expect(textFollowsRules(entry.organisation), `organisation ${JSON.stringify(entry.organisation)}`).toBe(true);
  }
  const emails = entries.map((entry) => entry.email.toLowerCase());
  expect(new Set(emails).size).toBe(emails.length);
}

describe("parseManifest on generated manifests", () => {
  it("accepts only entries that follow the rules, or throws a ManifestError of one-line problems", () => {
    fc.assert(
      fc.property(manifestText, (text) => {
        const parsed = parse(text);
        if (parsed.ok) {
          expectEntriesFollowRules(parsed.entries, text);
          return;
        }
        expectCleanProblems(parsed.problems);
        const problems = parsed.problems.join("\n").toLowerCase();
        for (const email of emailsIn(text))
          expect(problems, "a problem quotes an email from the manifest").not.toContain(email.toLowerCase());
      }),
      { numRuns: 600 },
    );
  });

  it("rejects a manifest built from valid parts only for an email, and never a plain address", () => {
    fc.assert(
      fc.property(validManifest, (manifest) => {
        const parsed = parse(stringify(manifest));
        if (parsed.ok) return;
        expectCleanProblems(parsed.problems);
        for (const problem of parsed.problems) {
          const match = /^manifest m\.json: users\[(\d+)\]\.email: must be (a valid email address|at most 254 characters)$/.exec(problem);
          expect(match, problem).not.toBeNull();
          const email = manifest.users[Number(match![1])]!.email;
          expect(PLAIN_EMAIL.test(email) && email.length <= 254, `a plain address was rejected: ${email}`).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("rejects every duplicate that differs only in case, naming the later entry", () => {
    fc.assert(
      fc.property(duplicateManifest, (manifest) => {
        // Only when the manifest is valid without the copy: zod checks duplicates once every entry is valid.
        fc.pre(parse(stringify({ users: manifest.users.slice(0, -1) })).ok);
        const parsed = parse(stringify(manifest));
        expect(parsed.ok).toBe(false);
        if (parsed.ok) return;
        expectCleanProblems(parsed.problems);
        const last = manifest.users.length - 1;
        expect(parsed.problems.some((problem) => problem.startsWith(`manifest m.json: users[${last}].email: duplicates users[`))).toBe(
          true,
        );
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The whole run, in process: a fake directory, a mocked database.

type Planned = Lookup["status"] | "fatal" | "bug";

/** What the fake directory answers for the n-th entry (cycling): mostly resolved, sometimes skipped, rarely fatal or a bug. */
const lookupPlan = fc.array(
  fc.oneof(
    { arbitrary: fc.constant<Planned>("resolved"), weight: 6 },
    { arbitrary: fc.constantFrom<Planned>("not_found", "ineligible", "ambiguous", "transient"), weight: 3 },
    { arbitrary: fc.constantFrom<Planned>("fatal", "bug"), weight: 1 },
  ),
  { minLength: 8, maxLength: 8 },
);

interface LogLine {
  level: string;
  msg: string;
  code?: string;
}

function subOf(index: number): string {
  return `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "flip-db-manifest-property-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("the seed command on generated manifests", () => {
  it("exits 0 or 1, never throws; a failure prints only fatal and per-user lines; a success asks only about the manifest's emails", async () => {
    const manifestPath = path.join(directory, "users.json");
    await fc.assert(
      fc.asyncProperty(manifestText, lookupPlan, fc.boolean(), fc.boolean(), async (text, plan, strict, dryRun) => {
        await writeFile(manifestPath, text);
        // The manifest as the file holds it: written out as UTF-8, a lone surrogate becomes U+FFFD.
        const expected = parse(Buffer.from(text).toString(), manifestPath);
        const entries = expected.ok ? expected.entries : [];
        const planOf = (email: string): Planned | undefined => {
          const index = entries.findIndex((entry) => entry.email === email);
          return index < 0 ? undefined : plan[index % plan.length];
        };

        let output = "";
        const lookups: string[] = [];
        let opened = 0;
        let closed = 0;
        const db = mockDatabase();
        const fake: ClosableDirectory = {
          profile: COGNITO_PROFILE,
          lookup: async (email) => {
            lookups.push(email);
            const planned = planOf(email);
            if (planned === "fatal") throw new FatalDirectoryError(["Cognito: access denied to the user pool"]);
            if (planned === "bug") throw new TypeError("the directory fell over");
            switch (planned) {
              case "resolved":
                return { status: "resolved", sub: subOf(entries.findIndex((entry) => entry.email === email)) };
              case "ineligible":
                return { status: "ineligible", reason: "email not verified" };
              case "ambiguous":
                return { status: "ambiguous", matches: 2 };
              case "transient":
                throw new TransientDirectoryError("throttled by Cognito", false);
              default:
                return { status: "not_found" };
            }
          },
          // A manifest of up to ten users is always looked up by filter; a scan is never asked for.
          listPage: () => Promise.reject(new Error("not used")),
          describe: () => Promise.reject(new Error("not used")),
          close: () => {
            closed += 1;
          },
        };

        const code = await runSeedCommand({
          argv: [...(strict ? ["--strict"] : []), ...(dryRun ? ["--dry-run"] : [])],
          env: {
            DATABASE_URL: "postgresql://flip:db-password-123@db:5432/flip",
            AWS_REGION: "eu-west-2",
            AWS_COGNITO_USER_POOL_ID: "eu-west-2_Abc123",
            SEED_USERS_FILE: manifestPath,
            // No pacing: the fake directory has no quota.
            SEED_COGNITO_RPS: "1000",
          },
          output: new Writable({
            write(chunk, _encoding, done) {
              output += String(chunk);
              done();
            },
          }),
          openDirectory: async () => {
            opened += 1;
            return fake;
          },
          openDatabase: async () => db.db,
        });

        expect([0, 1]).toContain(code);
        const lines = output
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as LogLine);
        for (const line of lines) {
          expect(line).toBeTypeOf("object");
          expect(line.msg).toBeTypeOf("string");
          expect(line.msg, "a log message spans more than one line").not.toMatch(LINE_BREAK);
        }
        // Redaction is on by default: no email from the manifest in full, anywhere (a field's name included).
        for (const email of emailsIn(text))
          expect(output.toLowerCase(), "an email from the manifest appeared in full").not.toContain(email.toLowerCase());

        if (!expected.ok) {
          // Rejected before anything was contacted, with the problems parseManifest names, one line each.
          expect(code).toBe(1);
          expect(opened).toBe(0);
          expect(lookups).toEqual([]);
          expect(lines.map((line) => [line.level, line.code])).toEqual(expected.problems.map(() => ["fatal", "MANIFEST_INVALID"]));
          // (Written out as UTF-8, a lone surrogate in a message becomes U+FFFD.)
          expect(lines.map((line) => line.msg)).toEqual(expected.problems.map((problem) => Buffer.from(problem).toString()));
          return;
        }

        const planned = entries.map((entry) => planOf(entry.email));
        const expectedCode = planned.some((p) => p === "fatal" || p === "bug") || (strict && planned.some((p) => p !== "resolved")) ? 1 : 0;
        expect(code).toBe(expectedCode);
        expect(closed).toBe(opened);
        // Only the manifest's emails are looked up, each at most once.
        const emails = entries.map((entry) => entry.email);
        expect(lookups.every((email) => emails.includes(email))).toBe(true);
        expect(new Set(lookups).size).toBe(lookups.length);

        if (code === 1) {
          expect(db.db.$transaction).not.toHaveBeenCalled();
          const fatal = lines.filter((line) => line.level === "fatal");
          expect(fatal).toHaveLength(1);
          for (const line of lines) {
            if (line.level === "fatal") continue;
            // The only other lines a failed run prints: how users were looked up, and the skipped ones when --strict stopped it.
            if (line.level === "info") {
              expect(line.msg).toMatch(/^Cognito lookup: filter /);
              continue;
            }
            expect(["warn", "error"]).toContain(line.level);
            expect(line.msg).toMatch(/^users\[\d+\] \S+ \((Admin|Researcher|Viewer)\): skipped/);
          }
        } else {
          expect([...lookups].sort()).toEqual([...emails].sort());
          expect(lines.some((line) => line.level === "fatal")).toBe(false);
          expect(lines.at(-1)?.msg).toMatch(/users seeded, \d+ skipped/);
        }
      }),
      { numRuns: 250 },
    );
    // 250 whole runs of the command: seconds on a busy machine, past vitest's default of 5.
  }, 60_000);
});
