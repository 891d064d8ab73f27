import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { exitCodeFor } from "../../src/shared/cli/exit-codes.js";

import { ManifestError } from "../../src/manifest/ManifestError.js";
import { loadManifest, ManifestSchema, parseManifest, type ManifestEntry } from "../../src/manifest/index.js";
import { manifestProblems } from "../support/manifest-problems.js";

const SOURCE = "users.json";
const PREFIX = `manifest ${SOURCE}: `;

const alice: ManifestEntry = {
  email: "alice@example.com",
  name: "Alice Example",
  organisation: "Example NHS Trust",
  role: "Admin",
};
const bob: ManifestEntry = { email: "bob@example.org", name: "Bob", organisation: "Example University", role: "Viewer" };

/** Manifest text with `alice` as entry 0, with `changes` applied (an `undefined` value removes the field). */
function withAlice(changes: Record<string, unknown>): string {
  return JSON.stringify({ users: [{ ...alice, ...changes }] });
}

const problemsOf = (text: string) => manifestProblems(text, SOURCE);

describe("parseManifest: valid manifests", () => {
  it("returns the entries in order", () => {
    expect(parseManifest(JSON.stringify({ users: [alice, bob] }), SOURCE)).toEqual([alice, bob]);
  });

  it.each(["Admin", "Researcher", "Viewer"] as const)("accepts the role %s", (role) => {
    expect(parseManifest(withAlice({ role }), SOURCE)).toEqual([{ ...alice, role }]);
  });

  it("allows a top-level $schema string, and leaves it out of the entries", () => {
    const text = JSON.stringify({ $schema: "./seed-users.schema.json", users: [alice] });
    expect(parseManifest(text, SOURCE)).toEqual([alice]);
  });

  it("rejects a $schema that is not a string", () => {
    expect(problemsOf(JSON.stringify({ $schema: 1, users: [alice] }))).toEqual([`${PREFIX}$schema: must be a string (got a number)`]);
  });

  it.each([
    ["an accented letter", "é"],
    ["an emoji (two UTF-16 code units)", "😀"],
  ])("accepts a name and organisation of exactly 255 characters made of %s", (_, character) => {
    const long = character.repeat(255);
    expect(parseManifest(withAlice({ name: long, organisation: long }), SOURCE)).toEqual([{ ...alice, name: long, organisation: long }]);
  });

  it("accepts an email of exactly 254 characters", () => {
    const email = `${"a".repeat(242)}@example.com`;
    expect(email).toHaveLength(254);
    expect(parseManifest(withAlice({ email }), SOURCE)).toEqual([{ ...alice, email }]);
  });

  it("accepts emails that differ by more than case", () => {
    const text = JSON.stringify({ users: [alice, { ...bob, email: "alice2@example.com" }] });
    expect(parseManifest(text, SOURCE)).toHaveLength(2);
  });

  it("exposes the schema, which accepts the same manifest", () => {
    expect(ManifestSchema.safeParse({ users: [alice] }).success).toBe(true);
    expect(ManifestSchema.safeParse({ users: [] }).success).toBe(false);
  });
});

describe("parseManifest: text that is not JSON", () => {
  it("reports one problem with the line and column of the fault", () => {
    const text = '{\n  "users": [\n    {"email": "jane.doe@nhs.example" "name": "Jane"}\n  ]\n}';
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${PREFIX}not valid JSON \\(.*at line 3, column 38\\)$`));
  });

  it.each([
    ["a missing comma", '{"users": [{"email": "jane.doe@nhs.example" "name": "Jane"}]}'],
    ["a trailing comma", '{"users": [{"email": "jane.doe@nhs.example",}]}'],
    ["an unterminated string", '{"users": [{"email": "jane.doe@nhs.example'],
    ["a control character in a string", '{"users": [{"email": "jane.doe@nhs.example\u0001"}]}'],
  ])("does not echo the manifest text around %s", (_, text) => {
    const [problem] = problemsOf(text);
    expect(problem).toMatch(/^manifest users\.json: not valid JSON \(.* at line 1, column \d+\)$/);
    expect(problem).not.toContain("jane");
    expect(problem).not.toContain("nhs.example");
  });

  it.each([
    [
      "a trailing comma in the list",
      '{"users": [\n  {"email": "jane.doe@nhs.example"},\n]}',
      "a trailing comma before ']' at line 3, column 1",
    ],
    ["a trailing comma in an entry", '{"users": [{"email": "jane.doe@nhs.example",}]}', "a trailing comma before '}' at line 1, column 45"],
    ["a missing comma", '{"users": [\n  {"email": "jane.doe@nhs.example" "name": "Jane"}]}', "expected ',' at line 2, column 36"],
    ["a bare email value", '{"users": [{"email": jane.doe@nhs.example}]}', "unexpected character at line 1, column 22"],
    ["a bare email as the whole file", "jane.doe@nhs.example", "unexpected character at line 1, column 1"],
    ["a comment", '{"users": [] // the list\n}', "comments are not allowed in JSON at line 1, column 14"],
    ["text after the end", '{"users": []}\nmore', "unexpected character at line 2, column 1"],
    ["a missing colon", '{"users" []}', "expected ':' at line 1, column 10"],
    ["an unterminated string", '{"users": [{"email": "jane.doe', "a string is not closed at line 1, column 22"],
    ["a file cut short", '{"users": [', "the file ends too early at line 1, column 12"],
    ["a bad escape", '{"users": ["\\x"]}', "not a valid escape after \\ at line 1, column 12"],
    ["an empty file", "", "the file is empty at line 1, column 1"],
    ["an unexpected control character", "\u0007", "unexpected character at line 1, column 1"],
  ])("names the line and column of every syntax error, never the text: %s", (_, text, fault) => {
    const [problem, ...more] = problemsOf(text);
    expect(more).toEqual([]);
    expect(problem).toBe(`${PREFIX}not valid JSON (${fault})`);
    expect(problem).not.toContain("jane");
  });
});

describe("parseManifest: encodings", () => {
  it("accepts a file that starts with a UTF-8 byte-order mark, as Windows editors write them", () => {
    expect(parseManifest(`\uFEFF${JSON.stringify({ users: [alice] })}`, SOURCE)).toEqual([alice]);
  });

  it("counts lines and columns after a byte-order mark as an editor shows them", () => {
    expect(problemsOf('\uFEFF{"users": [\n]]}')).toEqual([`${PREFIX}not valid JSON (expected ',' at line 2, column 2)`]);
  });
});

describe("parseManifest: the shape", () => {
  it.each([
    ["a list", "[]", "a list"],
    ["a string", '"users"', "a string"],
    ["a number", "42", "a number"],
    ["null", "null", "null"],
  ])("rejects a top level that is %s", (_, text, got) => {
    expect(problemsOf(text)).toEqual([`${PREFIX}the top level: must be an object like {"users": [...]} (got ${got})`]);
  });

  it.each([
    ["missing", {}, "users: is required"],
    ["null", { users: null }, "users: must be a list (got null)"],
    ["an object", { users: { 0: alice } }, "users: must be a list (got an object)"],
    ["a string", { users: "alice@example.com" }, "users: must be a list (got a string)"],
    ["an empty list", { users: [] }, "users: must list at least one user"],
  ])("rejects users that is %s", (_, manifest, problem) => {
    expect(problemsOf(JSON.stringify(manifest))).toEqual([PREFIX + problem]);
  });

  it.each([
    ["null", null, "null"],
    ["a string", "alice@example.com", "a string"],
    ["a list", [alice], "a list"],
    ["a number", 7, "a number"],
  ])("rejects an entry that is %s, naming its index", (_, entry, got) => {
    expect(problemsOf(JSON.stringify({ users: [alice, entry] }))).toEqual([`${PREFIX}users[1]: must be an object (got ${got})`]);
  });

  it.each(["email", "name", "organisation", "role"])("rejects an entry without %s", (field) => {
    expect(problemsOf(withAlice({ [field]: undefined }))).toEqual([`${PREFIX}users[0].${field}: is required`]);
  });

  it.each([
    ["email", 42, "must be a string (got a number)"],
    ["email", null, "must be a string (got null)"],
    ["name", true, "must be a string (got a boolean)"],
    ["name", ["Alice"], "must be a string (got a list)"],
    ["organisation", { name: "Trust" }, "must be a string (got an object)"],
    ["organisation", null, "must be a string (got null)"],
    ["role", null, "must be one of Admin, Researcher, Viewer"],
    ["role", 1, "must be one of Admin, Researcher, Viewer"],
  ])("rejects %s of the wrong type (%j)", (field, value, message) => {
    expect(problemsOf(withAlice({ [field]: value }))).toEqual([`${PREFIX}users[0].${field}: ${message}`]);
  });

  it("refuses Trust Admin, a role held per trust, in words of its own", () => {
    expect(problemsOf(withAlice({ role: "Trust Admin" }))).toEqual([
      `${PREFIX}users[0].role: Trust Admin is held per trust; the seed grants global roles only (Admin, Researcher or Viewer)`,
    ]);
  });

  it.each(["admin", "ADMIN", "Owner", ""])("rejects the unknown role %j", (role) => {
    expect(problemsOf(withAlice({ role }))).toEqual([`${PREFIX}users[0].role: must be one of Admin, Researcher, Viewer`]);
  });

  it.each([
    ["an entry", withAlice({ sub: "x" }), 'users[0]: unknown field "sub"'],
    ["an entry (two fields)", withAlice({ sub: "x", groups: [] }), 'users[0]: unknown fields "sub", "groups"'],
    ["the top level", JSON.stringify({ users: [alice], roles: [] }), 'the top level: unknown field "roles"'],
    // A key is the file's own text: a line break or an email in it is not repeated.
    ["an entry (a key with a line break)", withAlice({ "admin\nrole": 1 }), "users[0]: unknown field (a name that is not a plain word)"],
    [
      "an entry (a key that is an email)",
      withAlice({ "carol@example.org": 1 }),
      "users[0]: unknown field (a name that is not a plain word)",
    ],
  ])("rejects an extra field in %s", (_, text, problem) => {
    expect(problemsOf(text)).toEqual([PREFIX + problem]);
  });
});

describe("parseManifest: emails", () => {
  it("rejects emails that differ only in case, naming both indices", () => {
    const text = JSON.stringify({ users: [alice, bob, { ...bob, email: "Alice@EXAMPLE.com" }] });
    expect(problemsOf(text)).toEqual([`${PREFIX}users[2].email: duplicates users[0].email (emails are compared case-insensitively)`]);
  });

  it("reports each duplicate against the first occurrence", () => {
    const text = JSON.stringify({ users: [alice, { ...alice }, { ...alice, email: "ALICE@example.com" }] });
    expect(problemsOf(text)).toEqual([
      `${PREFIX}users[1].email: duplicates users[0].email (emails are compared case-insensitively)`,
      `${PREFIX}users[2].email: duplicates users[0].email (emails are compared case-insensitively)`,
    ]);
  });

  // Each of these would change the meaning of the ListUsers filter `email = "<email>"`, or is no address at all.
  it.each([
    ["a double quote", 'al"ice@example.com', ['must not contain a double quote (")']],
    ["a backslash", "al\\ice@example.com", ["must not contain a backslash"]],
    ["a space", "al ice@example.com", ["must not contain whitespace"]],
    // One problem a field: a tab is a control character, and not reported again as whitespace.
    ["a tab", "al\tice@example.com", ["must not contain control characters"]],
    ["a newline", "alice@example.com\n", ["must not contain control characters"]],
    ["a control character (BEL)", "al\u0007ice@example.com", ["must not contain control characters"]],
    ["a C1 control character (NEL)", "al\u0085ice@example.com", ["must not contain control characters"]],
    ["a no-break space", "alice\u00a0@example.com", ["must not contain whitespace"]],
    ["a filter injection", 'a@b.com" or email ^= "', ['must not contain a double quote (")']],
    ["no @", "alice.example.com", ["must be a valid email address"]],
    ["no domain", "alice@", ["must be a valid email address"]],
    ["an empty string", "", ["must be a valid email address"]],
    ["255 characters", `${"a".repeat(243)}@example.com`, ["must be at most 254 characters"]],
  ])("rejects an email with %s", (_, email, messages) => {
    expect(problemsOf(withAlice({ email }))).toEqual(messages.map((message) => `${PREFIX}users[0].email: ${message}`));
  });
});

describe("parseManifest: name and organisation", () => {
  const badTexts: [string, string, string][] = [
    ["empty", "", "must not be empty"],
    ["whitespace only", "   ", "must not be empty"],
    ["a NUL", "Alice\u0000", "must not contain control characters"],
    ["a terminal escape", "Alice\u001b[31m", "must not contain control characters"],
    ["256 ASCII characters", "x".repeat(256), "must be at most 255 characters"],
    ["256 accented letters", "é".repeat(256), "must be at most 255 characters"],
    ["256 emoji", "😀".repeat(256), "must be at most 255 characters"],
  ];
  const cases = ["name", "organisation"].flatMap((field) => badTexts.map(([label, value, message]) => ({ field, label, value, message })));

  it.each(cases)("rejects a $field that is $label", ({ field, value, message }) => {
    expect(problemsOf(withAlice({ [field]: value }))).toEqual([`${PREFIX}users[0].${field}: ${message}`]);
  });

  it("keeps surrounding spaces and inner spaces as written", () => {
    expect(parseManifest(withAlice({ name: " Alice  Example " }), SOURCE)[0]?.name).toBe(" Alice  Example ");
  });
});

describe("parseManifest: several problems", () => {
  it("gives one line per problem, each naming its entry and field", () => {
    const text = JSON.stringify({
      users: [{ ...alice, email: "not-an-email", role: "Boss" }, alice, { name: 1 }],
      extra: true,
    });
    expect(problemsOf(text)).toEqual([
      `${PREFIX}users[0].email: must be a valid email address`,
      `${PREFIX}users[0].role: must be one of Admin, Researcher, Viewer`,
      `${PREFIX}users[2].email: is required`,
      `${PREFIX}users[2].name: must be a string (got a number)`,
      `${PREFIX}users[2].organisation: is required`,
      `${PREFIX}users[2].role: is required`,
      `${PREFIX}the top level: unknown field "extra"`,
    ]);
  });

  it("joins the problems into the error message and exits 1", () => {
    let thrown: unknown;
    try {
      parseManifest(JSON.stringify({ users: [{ ...alice, name: "", organisation: "" }] }), SOURCE);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ManifestError);
    expect(thrown).toMatchObject({
      name: "ManifestError",
      code: "MANIFEST_INVALID",
      message: `${PREFIX}users[0].name: must not be empty; ${PREFIX}users[0].organisation: must not be empty`,
    });
    expect(exitCodeFor(thrown as ManifestError)).toBe(1);
  });
});

describe("loadManifest", () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "flip-db-manifest-"));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("loads the shipped prisma/seed-users.json: three Admins, a Researcher, a Viewer, a demo Researcher and a demo Admin", async () => {
    const path = fileURLToPath(new URL("../../prisma/seed-users.json", import.meta.url));
    const users = await loadManifest(path);
    expect(users.map((user) => user.role)).toEqual(["Admin", "Admin", "Admin", "Researcher", "Viewer", "Researcher", "Admin"]);
    expect(users.filter((user) => user.name.startsWith("Demo ")).map((user) => user.role)).toEqual(["Researcher", "Admin"]);
    for (const user of users) expect(user.email).toMatch(/@example\.com$/);
  });

  it("names the file in each problem", async () => {
    const path = join(directory, "bad.json");
    await writeFile(path, withAlice({ role: "Root" }));
    await expect(loadManifest(path)).rejects.toMatchObject({
      problems: [`manifest ${path}: users[0].role: must be one of Admin, Researcher, Viewer`],
    });
  });

  it("reads a valid file", async () => {
    const path = join(directory, "good.json");
    await writeFile(path, JSON.stringify({ users: [alice, bob] }));
    await expect(loadManifest(path)).resolves.toEqual([alice, bob]);
  });

  it("reports a missing file in one line naming the path and SEED_USERS_FILE", async () => {
    const path = join(directory, "missing.json");
    const error = await loadManifest(path).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ManifestError);
    const { problems } = error as ManifestError;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(path);
    expect(problems[0]).toContain("file not found");
    expect(problems[0]).toContain("SEED_USERS_FILE");
  });
});
