import { fileURLToPath } from "node:url";

import { defineConfig } from "vitest/config";

import NotRunReporter from "./test/support/not-run-reporter.js";
import { findPgBouncer, PGBOUNCER_TESTS, pgBouncerRequired, pgBouncerTestFiles } from "./test/support/pgbouncer-install.js";

/** `npm run test:reliability` sets this; `npm test` runs the same suites in a quicker setting. */
const FULL_RELIABILITY = process.env.FLIP_DB_RELIABILITY === "full";

/**
 * The tests that need a real PgBouncer run where it is installed, and where CI
 * requires it (there they fail without it); elsewhere they are left out and
 * the run ends with one line naming them and the package to install.
 */
const WITHOUT_PGBOUNCER = findPgBouncer() === undefined && !pgBouncerRequired();
const NOT_RUN = WITHOUT_PGBOUNCER ? pgBouncerTestFiles(fileURLToPath(new URL(".", import.meta.url))) : [];
const LEFT_OUT = WITHOUT_PGBOUNCER ? [PGBOUNCER_TESTS] : [];

/** Tests against the local stack: one PostgreSQL and one Cognito emulator per project, a database and pool per test. */
const againstLocalStack = {
  globalSetup: ["test/support/global-setup.ts"],
  testTimeout: 300_000,
  hookTimeout: 120_000,
  // Each test drives several Prisma CLI processes; two cores are busy enough.
  maxWorkers: 2,
};

export default defineConfig({
  test: {
    // The tests' own Cognito clients would print the AWS SDK's Node 20 notice in every worker.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    reporters: ["default", "./test/reliability/figures-reporter.ts", new NotRunReporter(NOT_RUN)],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          exclude: LEFT_OUT,
          sequence: { groupOrder: 1 },
          ...againstLocalStack,
        },
      },
      {
        // `npm run test:reliability` runs these in full (FLIP_DB_RELIABILITY=full); `npm test` in a quicker setting.
        test: {
          name: "reliability",
          include: ["test/reliability/**/*.test.ts"],
          // `*.full.test.ts` need what CI machines may not have (the npm audit API); see npm-audit.full.test.ts.
          exclude: [...LEFT_OUT, ...(FULL_RELIABILITY ? [] : ["test/reliability/**/*.full.test.ts"])],
          sequence: { groupOrder: 2 },
          ...againstLocalStack,
        },
      },
    ],
  },
});
