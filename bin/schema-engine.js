#!/usr/bin/env node
// Prisma's CLI runs this file as its schema engine (PRISMA_SCHEMA_ENGINE_BINARY,
// set by prisma.config.ts).
import { runEntry } from "./run-entry.js";

await runEntry("src/main/schema-engine");
