#!/usr/bin/env node
// Prisma's CLI runs this file as its schema engine (PRISMA_SCHEMA_ENGINE_BINARY,
// set by prisma.config.ts). It runs the compiled engine when `npm run build`
// has made one, so production images need no TypeScript tooling; otherwise it
// loads the TypeScript source through tsx.
import { existsSync } from "node:fs";

const compiled = new URL("../dist/src/schema-engine/main.js", import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/schema-engine/main.ts");
}
