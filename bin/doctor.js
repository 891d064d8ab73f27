#!/usr/bin/env node
// `npm run doctor`: checks configuration, manifest, database, migrations and
// Cognito access, one line per check. See `--help`.
import { runEntry } from "./run-entry.js";

await runEntry("src/main/doctor");
