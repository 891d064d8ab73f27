import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { defineConfig } from "prisma/config";

const root = path.dirname(fileURLToPath(import.meta.url));

// Migrations run on the WebAssembly schema engine from npm, so no engine binary
// is downloaded. Setting PRISMA_SCHEMA_ENGINE_BINARY yourself (to a native
// engine) takes precedence.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, "bin", "schema-engine.js");

export default defineConfig({
  schema: path.join(root, "prisma", "schema.prisma"),
  migrations: {
    path: path.join(root, "prisma", "migrations"),
    // The compiled seed when `npm run build` has made one (production images need
    // neither tsx nor TypeScript), the TypeScript source otherwise.
    seed: existsSync(path.join(root, "dist", "prisma", "seed.js")) ? "node dist/prisma/seed.js" : "tsx prisma/seed.ts",
  },
  // Read directly, not through env(): env() throws when the variable is unset,
  // which would break `prisma generate` on a machine with no database.
  datasource: {
    url: process.env.DATABASE_URL,
    // Optional: a database Prisma may empty and reuse as its shadow database.
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
