/**
 * Writes prisma/seed-users.schema.json, the manifest's JSON Schema, from the
 * zod schema in src/manifest/schema.ts: `npm run manifest:schema` after
 * changing the manifest's rules. test/unit/manifest-schema.test.ts fails while
 * the file is stale.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

import { manifestJsonSchemaText } from "../src/manifest/json-schema.js";

/** Where the shipped manifest's `"$schema": "./seed-users.schema.json"` points. */
export const MANIFEST_SCHEMA_FILE = fileURLToPath(new URL("../prisma/seed-users.schema.json", import.meta.url));

export async function writeManifestSchema(file: string = MANIFEST_SCHEMA_FILE): Promise<void> {
  await writeFile(file, manifestJsonSchemaText());
}

// Run as a script (not when a test imports the path above).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeManifestSchema();
  console.log(`wrote ${MANIFEST_SCHEMA_FILE}`);
}
