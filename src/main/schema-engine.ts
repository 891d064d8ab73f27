// Prisma's CLI runs this (bin/schema-engine.js, through PRISMA_SCHEMA_ENGINE_BINARY) as its schema engine. See src/schema-engine/serve.ts.
import { reportStartFailure, runSchemaEngine } from "../schema-engine/serve.js";

// The CLI reads the exit code, and waits for the process to end: exit at once, whatever is still open.
runSchemaEngine(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(reportStartFailure(error)),
);
