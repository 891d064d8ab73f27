/**
 * The manifest's JSON Schema (prisma/seed-users.schema.json): up to date with
 * the zod schema it is generated from, met by the shipped manifest, and
 * agreeing with the seed's own validation on every rule JSON Schema can
 * express. Checked with Ajv, a real JSON Schema validator (draft-07, with
 * ajv-formats for `format: "email"`, as editors check it).
 *
 * Rules only the seed enforces (JSON Schema has no way to say them):
 * - emails are unique, compared case-insensitively (`uniqueItems` compares
 *   whole entries, case-sensitively);
 * - CSV manifests (JSON Schema describes the JSON form only).
 * And where an editor may differ from the seed on `format: "email"`, whose
 * check is the editor's own (Ajv's rejects a domain label ending in `-`,
 * which zod's address pattern, also in the schema, allows). Every other rule
 * is in the schema: required fields, no other fields, the roles, at least one
 * user, the email's forbidden characters, pattern and length, names and
 * organisations not blank, without control characters and at most 255
 * characters (code points, as JSON Schema's `maxLength` and the seed count).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MANIFEST_SCHEMA_FILE, writeManifestSchema } from "../../scripts/write-manifest-schema.js";
import { ManifestError } from "../../src/manifest/ManifestError.js";
import { parseManifest } from "../../src/manifest/index.js";
import { manifestJsonSchema, manifestJsonSchemaText } from "../../src/manifest/json-schema.js";

const SHIPPED_MANIFEST = path.join(path.dirname(MANIFEST_SCHEMA_FILE), "seed-users.json");

/** A validator for the committed schema file, as an editor would load it. */
async function compileSchemaFile(): Promise<ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  addFormats.default(ajv);
  // VS Code's own keywords (a pattern's message, an enum value's tooltip): known to the editor, not to Ajv.
  ajv.addVocabulary(["patternErrorMessage", "enumDescriptions"]);
  return ajv.compile(JSON.parse(await readFile(MANIFEST_SCHEMA_FILE, "utf8")) as object);
}

/** The seed's verdict: true when `parseManifest` accepts the manifest. */
function seedAccepts(manifest: unknown): boolean {
  try {
    parseManifest(JSON.stringify(manifest), "users.json");
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return false;
  }
}

let validate: ValidateFunction;

beforeAll(async () => {
  validate = await compileSchemaFile();
});

describe("prisma/seed-users.schema.json", () => {
  it("is what `npm run manifest:schema` writes from the zod schema now", async () => {
    const committed = await readFile(MANIFEST_SCHEMA_FILE, "utf8");
    expect(committed, "prisma/seed-users.schema.json is stale: run `npm run manifest:schema` and commit the result").toBe(
      manifestJsonSchemaText(),
    );
  });

  describe("the generator script", () => {
    let directory: string;
    beforeAll(async () => {
      directory = await mkdtemp(path.join(tmpdir(), "flip-db-manifest-schema-"));
    });
    afterAll(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    it("writes the same text on every run, ending in a newline", async () => {
      const file = path.join(directory, "schema.json");
      await writeManifestSchema(file);
      const first = await readFile(file, "utf8");
      await writeManifestSchema(file);
      expect(await readFile(file, "utf8")).toBe(first);
      expect(first).toBe(manifestJsonSchemaText());
      expect(first.endsWith("}\n")).toBe(true);
    });
  });

  it("is a draft-07 schema whose top level reads $schema, title, description, type first", () => {
    const schema = manifestJsonSchema();
    expect(Object.keys(schema).slice(0, 4)).toEqual(["$schema", "title", "description", "type"]);
    expect(schema).toMatchObject({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      required: ["users"],
      additionalProperties: false,
      properties: { $schema: { type: "string" }, users: { type: "array", minItems: 1 } },
    });
  });

  it("gives every entry field a title and a description for the editor's tooltip, and keeps the fields' order", () => {
    const { users } = manifestJsonSchema().properties as { users: { items: Record<string, unknown> } };
    const fields = users.items.properties as Record<string, { title?: unknown; description?: unknown }>;
    expect(Object.keys(fields)).toEqual(["email", "name", "organisation", "role"]);
    for (const [field, schema] of Object.entries(fields)) {
      expect(schema.title, field).toEqual(expect.any(String));
      expect(schema.description, field).toEqual(expect.any(String));
    }
    expect(users.items).toMatchObject({ required: ["email", "name", "organisation", "role"], additionalProperties: false });
    expect(fields.email).toMatchObject({ format: "email", maxLength: 254 });
    expect(fields.name).toMatchObject({ minLength: 1, maxLength: 255 });
    expect(fields.role).toMatchObject({ enum: ["Admin", "Researcher", "Viewer"] });
    // Trust Admin is not offered; the tooltip says why.
    expect(fields.role?.description).toContain("Per-trust roles (Trust Admin) are granted by the platform, at a trust, never by the seed.");
  });
});

describe("prisma/seed-users.json", () => {
  it('starts with "$schema": "./seed-users.schema.json", which names the schema file beside it', async () => {
    const manifest = JSON.parse(await readFile(SHIPPED_MANIFEST, "utf8")) as Record<string, unknown>;
    expect(Object.keys(manifest)[0]).toBe("$schema");
    expect(path.resolve(path.dirname(SHIPPED_MANIFEST), manifest.$schema as string)).toBe(MANIFEST_SCHEMA_FILE);
  });

  it("validates against the JSON Schema, and the seed accepts it too", async () => {
    const manifest: unknown = JSON.parse(await readFile(SHIPPED_MANIFEST, "utf8"));
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    expect(seedAccepts(manifest)).toBe(true);
  });
});

describe("the JSON Schema and the seed agree", () => {
  const alice = { email: "alice@example.com", name: "Alice Example", organisation: "Example NHS Trust", role: "Admin" };
  const bob = { email: "bob@example.org", name: "Bob", organisation: "Example University", role: "Viewer" };
  /** A manifest of one entry: `alice` with `changes` (an `undefined` value drops the field). */
  const withAlice = (changes: Record<string, unknown>) => ({
    users: [Object.fromEntries(Object.entries({ ...alice, ...changes }).filter(([, value]) => value !== undefined))],
  });

  const VALID: Array<[string, unknown]> = [
    ["two entries", { users: [alice, bob] }],
    ["a $schema string", { $schema: "./seed-users.schema.json", users: [alice] }],
    ["each role", { users: ["Admin", "Researcher", "Viewer"].map((role, i) => ({ ...alice, email: `u${i}@example.com`, role })) }],
    ["an email of exactly 254 characters", withAlice({ email: `${"a".repeat(242)}@example.com` })],
    ["a plus-addressed email with an apostrophe", withAlice({ email: "o'brien+flip@nhs.example.org" })],
    ["a name of 255 emoji (510 UTF-16 units, 255 characters)", withAlice({ name: "😀".repeat(255) })],
    ["an organisation of 255 accented letters", withAlice({ organisation: "é".repeat(255) })],
    ["a name with surrounding and inner spaces", withAlice({ name: " Alice  Example " })],
    ["a one-character name", withAlice({ name: "A" })],
  ];

  const INVALID: Array<[string, unknown]> = [
    ["a top level that is a list", [alice]],
    ["users missing", {}],
    ["users not a list", { users: alice }],
    ["users empty", { users: [] }],
    ["an entry that is null", { users: [null] }],
    ...["email", "name", "organisation", "role"].map((field): [string, unknown] => [`${field} missing`, withAlice({ [field]: undefined })]),
    ["an extra field in an entry", withAlice({ sub: "x" })],
    ["an extra field at the top level", { users: [alice], version: 2 }],
    ["$schema a number", { $schema: 1, users: [alice] }],
    ["an unknown role", withAlice({ role: "Owner" })],
    ["a role in the wrong case", withAlice({ role: "admin" })],
    ["a role held per trust (Trust Admin)", withAlice({ role: "Trust Admin" })],
    ["a role that is null", withAlice({ role: null })],
    ["an email that is a number", withAlice({ email: 42 })],
    ["an email with a double quote", withAlice({ email: 'al"ice@example.com' })],
    ["the filter injection", withAlice({ email: 'a@b.com" or email ^= "' })],
    ["an email with a backslash", withAlice({ email: "al\\ice@example.com" })],
    ["an email with a space", withAlice({ email: "al ice@example.com" })],
    ["an email with a trailing space", withAlice({ email: "alice@example.com " })],
    ["an email with a tab", withAlice({ email: "al\tice@example.com" })],
    ["an email with a newline", withAlice({ email: "alice@example.com\n" })],
    ["an email with NUL", withAlice({ email: "al\u0000ice@example.com" })],
    ["an email with DEL", withAlice({ email: "al\u007fice@example.com" })],
    ["an email with a C1 control (NEL)", withAlice({ email: "al\u0085ice@example.com" })],
    ["an email with a no-break space", withAlice({ email: "alice\u00a0@example.com" })],
    ["an email without @", withAlice({ email: "alice.example.com" })],
    ["an email without a domain", withAlice({ email: "alice@" })],
    ["an empty email", withAlice({ email: "" })],
    ["an email of 255 characters", withAlice({ email: `${"a".repeat(243)}@example.com` })],
    ["an email with an accented letter", withAlice({ email: "élise@example.com" })],
    ...["name", "organisation"].flatMap((field): Array<[string, unknown]> => [
      [`an empty ${field}`, withAlice({ [field]: "" })],
      [`a whitespace-only ${field}`, withAlice({ [field]: " \t " })],
      [`a ${field} of one no-break space`, withAlice({ [field]: "\u00a0" })],
      [`a ${field} with NUL`, withAlice({ [field]: "Alice\u0000" })],
      [`a ${field} with a terminal escape`, withAlice({ [field]: "Alice\u001b[31m" })],
      [`a ${field} with a C1 control`, withAlice({ [field]: "Alice\u009b" })],
      [`a ${field} of 256 ASCII characters`, withAlice({ [field]: "x".repeat(256) })],
      [`a ${field} of 256 emoji`, withAlice({ [field]: "😀".repeat(256) })],
      [`a ${field} that is a list`, withAlice({ [field]: ["Alice"] })],
    ]),
  ];

  it.each(VALID)("both accept %s", (_, manifest) => {
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    expect(seedAccepts(manifest)).toBe(true);
  });

  it.each(INVALID)("both reject %s", (_, manifest) => {
    expect(validate(manifest)).toBe(false);
    expect(seedAccepts(manifest)).toBe(false);
  });

  it("differ only where JSON Schema cannot say the rule: duplicate emails (the seed compares them case-insensitively)", () => {
    for (const manifest of [{ users: [alice, { ...bob, email: "Alice@Example.COM" }] }, { users: [alice, alice] }]) {
      expect(validate(manifest)).toBe(true);
      expect(seedAccepts(manifest)).toBe(false);
    }
  });

  it("report a pattern's failure with the seed's own words, for editors that show patternErrorMessage", () => {
    expect(validate(withAlice({ email: 'al"ice@example.com' }))).toBe(false);
    const failed = validate.errors!.find((error) => error.keyword === "pattern");
    expect(failed?.parentSchema).toMatchObject({ patternErrorMessage: expect.stringContaining("double quote") });
    expect(validate(withAlice({ name: "   " }))).toBe(false);
    expect(validate.errors!.find((error) => error.keyword === "pattern")?.parentSchema).toMatchObject({
      patternErrorMessage: "must not be empty",
    });
  });
});
