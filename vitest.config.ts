import { defineConfig } from "vitest/config";

/** `npm run test:reliability` sets this; `npm test` runs the same suites in a quicker setting. */
const FULL_RELIABILITY = process.env.FLIP_DB_RELIABILITY === "full";

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
    reporters: ["default", "./test/reliability/figures-reporter.ts"],
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
          exclude: FULL_RELIABILITY ? [] : ["test/reliability/**/*.full.test.ts"],
          sequence: { groupOrder: 2 },
          ...againstLocalStack,
        },
      },
    ],
  },
});
