import type { TestProject } from "vitest/node";

import { startLocalStack } from "../../src/dev/local-stack.js";

export interface StackInfo {
  postgresAdminUrl: string;
  postgresPort: number;
  postgresPassword: string;
  cognitoEndpoint: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startLocalStack();
  project.provide("stack", {
    postgresAdminUrl: stack.postgres.url("postgres"),
    postgresPort: stack.postgres.port,
    postgresPassword: stack.postgres.password,
    cognitoEndpoint: stack.cognito.endpoint,
  });
  return () => stack.stop();
}
