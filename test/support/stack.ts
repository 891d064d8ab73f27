/**
 * The local stack that vitest's global setup started (test/support/global-setup.ts),
 * and fresh databases and user pools on it, one a test.
 */
import { randomBytes } from "node:crypto";

import { inject } from "vitest";

import { createUserPool, type FixtureUser, type PoolSettings } from "../../dev/cognito.js";
import { createDatabase, stackEnvironment } from "../../dev/local-stack.js";

export function stack() {
  return inject("stack");
}

/** A new, empty database on the shared server. */
export function freshDatabase(prefix = "t"): Promise<string> {
  return createDatabase(stack().postgresAdminUrl, `${prefix}_${randomBytes(6).toString("hex")}`);
}

/** A new user pool in the shared emulator, holding `users`. */
export function freshPool(users: readonly FixtureUser[], settings: PoolSettings = {}) {
  return createUserPool(stack().cognitoEndpoint, `pool-${randomBytes(4).toString("hex")}`, users, settings);
}

export function environmentFor(databaseUrl: string, userPoolId = "eu-west-2_unused"): Record<string, string> {
  return {
    ...stackEnvironment({ databaseUrl, userPoolId, cognitoEndpoint: stack().cognitoEndpoint }),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}
