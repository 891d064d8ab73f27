/**
 * The users manifest: the well-known users the seed makes sure of on every
 * boot, as JSON (`prisma/seed-users.json`) or, for lists that come from
 * spreadsheets, as CSV (a file whose name ends in `.csv`). Both go through one
 * zod schema (`manifest/schema.ts`); every problem names the file and where in
 * it: `users[2].email: ...` in JSON, `line 3: email: ...` in CSV.
 */
import { readFile } from "node:fs/promises";

import { ManifestError } from "./ManifestError.js";
import { decodeCsv, parseCsvManifest } from "./csv.js";
import { parseJsonManifest } from "./json.js";
import type { ManifestEntry } from "./schema.js";

export { CSV_COLUMNS } from "./csv.js";
export { ManifestSchema, type ManifestEntry } from "./schema.js";

export type ManifestFormat = "json" | "csv";

/** CSV when the name ends in `.csv` (in any case), JSON otherwise. */
export function manifestFormatOf(path: string): ManifestFormat {
  return /\.csv$/i.test(path) ? "csv" : "json";
}

/**
 * Validates manifest text; every problem names `source`, and the entry index
 * and field (JSON) or the line and column (CSV) where there is one. The format
 * follows `source`'s name unless given.
 */
export function parseManifest(text: string, source: string, format: ManifestFormat = manifestFormatOf(source)): ManifestEntry[] {
  return format === "csv" ? parseCsvManifest(text, source) : parseJsonManifest(text, source);
}

export async function loadManifest(path: string): Promise<ManifestEntry[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new ManifestError([`manifest ${path}: cannot be read (${why}); set SEED_USERS_FILE or --users`]);
  }
  return manifestFormatOf(path) === "csv"
    ? parseCsvManifest(decodeCsv(bytes, path), path)
    : parseJsonManifest(bytes.toString("utf8"), path);
}
