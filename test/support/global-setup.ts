import pg from "pg";
import type { TestProject } from "vitest/node";

import { startLocalStack } from "../../dev/local-stack.js";
import { PostgresAccessError } from "../../dev/postgres-access.js";

export interface StackInfo {
  postgresAdminUrl: string;
  postgresPort: number;
  postgresPassword: string;
  cognitoEndpoint: string;
  /** A non-superuser role whose password is a sentinel: the reliability suites check it never leaks. */
  appUser: string;
  appPassword: string;
}

/** Found in no output of any run, or the secrets suite fails. */
export const APP_PASSWORD = "SENTINEL-db-password-5c2e9d";

declare module "vitest" {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startLocalStack().catch((error: unknown) => {
    // This machine cannot run the tests as it is set up: one line saying why and what to do, not vitest's stack trace.
    if (!(error instanceof PostgresAccessError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return process.exit(1);
  });
  const admin = new pg.Client({ connectionString: stack.postgres.url("postgres") });
  await admin.connect();
  await admin.query(`CREATE ROLE flip_app LOGIN CREATEDB PASSWORD '${APP_PASSWORD}'`);
  await admin.end();
  project.provide("stack", {
    appUser: "flip_app",
    appPassword: APP_PASSWORD,
    postgresAdminUrl: stack.postgres.url("postgres"),
    postgresPort: stack.postgres.port,
    postgresPassword: stack.postgres.password,
    cognitoEndpoint: stack.cognito.endpoint,
  });
  return () => stack.stop();
}
