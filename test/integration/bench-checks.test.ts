/**
 * The benchmark's correctness figures, kept true in `npm test` at a small
 * size: the Cognito calls the seed makes (a lookup each for a small manifest,
 * the pool's size and a scan for a larger one), no call throttled at the
 * quota, and not one row written by an unchanged re-run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { emailOf, LIST_USERS_QUOTA_RPS, measure } from "../../bench/measure.js";
import { startCognito, type LocalCognito, type PreloadedPool } from "../../dev/cognito.js";
import { stackEnvironment } from "../../dev/local-stack.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { migratedDatabase } from "../support/seed-fixture.js";

const pools: Record<number, PreloadedPool> = {
  7: { id: "local_checks7", users: Array.from({ length: 8 }, (_, i) => ({ email: emailOf(i) })) },
  100: { id: "local_checks100", users: Array.from({ length: 111 }, (_, i) => ({ email: emailOf(i) })) },
};

describe("benchmark figures, at a small size", () => {
  let cognito: LocalCognito;
  let proxy: FaultProxy;

  beforeAll(async () => {
    cognito = await startCognito(() => {}, Object.values(pools));
    proxy = await startFaultProxy(cognito.endpoint, { latencyMs: 20, quotas: { UserList: LIST_USERS_QUOTA_RPS }, cognitoLike: true });
  });
  afterAll(async () => {
    await proxy?.close();
    await cognito?.stop();
  });

  it.each([
    [7, "filter", 7],
    [100, "scan", 3],
  ])("N = %i: looked up by %s in %i calls, none throttled; the re-run writes 0 rows", async (n, strategy, calls) => {
    const pool = pools[n]!;
    const databaseUrl = await migratedDatabase();
    const env = {
      ...stackEnvironment({ databaseUrl, userPoolId: pool.id, cognitoEndpoint: proxy.endpoint }),
      SEED_COGNITO_RPS: String(LIST_USERS_QUOTA_RPS),
    };
    const result = await measure({ n, poolSize: pool.users.length, poolId: pool.id, databaseUrl, proxy, env });
    expect(result).toMatchObject({ strategy, cognitoCalls: calls, throttled: 0, rerunRowsWritten: 0 });
  });
});
