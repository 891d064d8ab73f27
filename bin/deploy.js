#!/usr/bin/env node
// `flip-db-deploy`: the boot sequence for container entrypoints. See `--help`.
import { runEntry } from "./run-entry.js";

await runEntry("src/main/deploy");
