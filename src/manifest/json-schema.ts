/**
 * The manifest's JSON Schema, generated from the zod schema with zod's own
 * `z.toJSONSchema`: editors (VS Code, JetBrains) check `seed-users.json`
 * against it as it is typed. `npm run manifest:schema` writes it to
 * `prisma/seed-users.schema.json`; a unit test fails when that file is stale.
 *
 * What it cannot say, only the seed checks: that emails are unique, compared
 * case-insensitively.
 */
import { z } from "zod";

import { ManifestSchema } from "./schema.js";

/**
 * Keywords in the order a reader looks for them; any other key comes after
 * these, alphabetically. The file's layout then depends on this list, not on
 * the order zod happens to build objects in.
 */
const KEYWORD_ORDER = [
  "$schema",
  "$id",
  "title",
  "description",
  "type",
  "format",
  "enum",
  "enumDescriptions",
  "minLength",
  "maxLength",
  "pattern",
  "patternErrorMessage",
  "allOf",
  "minItems",
  "items",
  "properties",
  "required",
  "additionalProperties",
];

function rank(key: string): number {
  const index = KEYWORD_ORDER.indexOf(key);
  return index === -1 ? KEYWORD_ORDER.length : index;
}

/** `value` with every schema's keys in KEYWORD_ORDER; a `properties` map keeps the fields' own order. */
function ordered(value: unknown, fieldMap = false): unknown {
  if (Array.isArray(value)) return value.map((item) => ordered(item));
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value);
  if (!fieldMap) entries.sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, item]) => [key, ordered(item, !fieldMap && key === "properties")]));
}

/**
 * The JSON Schema, as draft-07: the draft every JSON editor and validator
 * supports. `io: "input"`: it describes the file as written.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  return ordered(z.toJSONSchema(ManifestSchema, { target: "draft-07", io: "input" })) as Record<string, unknown>;
}

/** The file's text: two-space indents and a final newline, the same on every run. */
export function manifestJsonSchemaText(): string {
  return `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
}
