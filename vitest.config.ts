import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
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
          // One PostgreSQL and one Cognito emulator for the whole run; each test
          // takes its own database and user pool.
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Each test drives several Prisma CLI processes; two cores are busy enough.
          maxWorkers: 2,
        },
      },
    ],
  },
});
