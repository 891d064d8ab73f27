import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { defineConfig } from "prisma/config";

const root = path.dirname(fileURLToPath(import.meta.url));

// Migrations run on the WebAssembly schema engine from npm, so no engine binary
// is downloaded. Setting PRISMA_SCHEMA_ENGINE_BINARY yourself (to a native
// engine) takes precedence.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, "bin", "schema-engine.js");

// The seed command is the node that runs Prisma's CLI and absolute paths, so
// it needs nothing from PATH (which holds node_modules/.bin only under npm and
// npx) and works whatever the working directory. The compiled seed when
// `npm run build` has made one (production images need neither tsx nor
// TypeScript), the TypeScript source through tsx's loader otherwise.
const compiledSeed = path.join(root, "dist", "prisma", "seed.js");
const seedCommand = existsSync(compiledSeed)
  ? [process.execPath, compiledSeed]
  : [process.execPath, "--import", createRequire(path.join(root, "package.json")).resolve("tsx"), path.join(root, "prisma", "seed.ts")];

/** Prisma splits the command on spaces, with no shell; a space escaped with a backslash stays inside its word. */
function commandLine(words: string[]): string {
  return words.map((word) => word.replaceAll(" ", "\\ ")).join(" ");
}

export default defineConfig({
  schema: path.join(root, "prisma", "schema.prisma"),
  migrations: {
    path: path.join(root, "prisma", "migrations"),
    seed: commandLine(seedCommand),
  },
  // Read directly, not through env(): env() throws when the variable is unset,
  // which would break `prisma generate` on a machine with no database.
  datasource: {
    // Migrations go to DIRECT_URL when it is set (PostgreSQL itself, past a
    // pooler), DATABASE_URL otherwise; empty counts as unset. The same rule as
    // migrationUrl() in src/shared/config/environment.ts, which this file
    // cannot import in an image without dist/.
    url: process.env.DIRECT_URL || process.env.DATABASE_URL,
    // Optional: a database Prisma may empty and reuse as its shadow database.
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
