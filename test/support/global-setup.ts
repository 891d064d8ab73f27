import pg from "pg";
import type { TestProject } from "vitest/node";

import { startLocalStack } from "../../src/dev/local-stack.js";

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
  const stack = await startLocalStack();
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
