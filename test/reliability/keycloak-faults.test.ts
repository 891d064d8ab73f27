/**
 * Keycloak's time bounds, as cognito-faults.test.ts proves Cognito's: a
 * token or user-search request that is accepted and never answered costs a
 * user (transient, skipped, tried again next boot) within the configured
 * request timeout, and the boot goes on (exit 0, the roles and every other
 * user written). Against the fake Keycloak (test/support/fake-keycloak.ts)
 * and the shared PostgreSQL, through the seed's own entry (as the Cognito
 * time bound is), with the sentinel secrets and the Keycloak client's secret
 * searched for in every output.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ROLES } from "../../src/shared/roles.js";
import { logLines, output } from "../support/commands.js";
import { tableContents } from "../support/database-state.js";
import { keycloakFaults, startFakeKeycloak, type FakeKeycloak, type KeycloakFaultRule } from "../support/fake-keycloak.js";
import { KEYCLOAK_CLIENT, keycloakEnvironment } from "../support/keycloak-scenario.js";
import type { CommandResult } from "../support/run-command.js";
import { writeManifest } from "../support/seed-fixture.js";
import { count, mustBeZero } from "./support/figures.js";
import { migratedAppDatabase, seedDirect, SENTINEL_AWS_CREDENTIALS } from "./support/runs.js";
import { ENTRIES, USERS } from "./support/seven-users.js";

/** The request timeout the bounded cases configure: short, so that a hang shows as a wait of about this long. */
const TIMEOUT_MS = 2_000;
/** Keycloak's default request timeout (KEYCLOAK_DEFAULTS), for the run with default settings. */
const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * How long resolution may take when requests hang: one timeout, and as much
 * again for a slow, shared machine. A hang paid once per user in turn (seven
 * timeouts) or never ended would be far over it.
 */
const boundFor = (timeoutMs: number) => 2 * timeoutMs;

interface Case {
  label: string;
  fault: KeycloakFaultRule;
  /** Users the fault costs: every one when they all wait for the one token request, one when one search hangs. */
  skipped: number;
}

const CASES: Case[] = [
  // Every lookup waits for the one admin token being fetched: all of them are skipped when it hangs.
  { label: "the token request hangs", fault: { endpoint: "token", fault: keycloakFaults.hang() }, skipped: USERS.length },
  { label: "one user search hangs", fault: { endpoint: "users", fault: keycloakFaults.hang(), times: 1 }, skipped: 1 },
  { label: "every user search hangs", fault: { endpoint: "users", fault: keycloakFaults.hang() }, skipped: USERS.length },
];

let keycloak: FakeKeycloak;

beforeAll(async () => {
  keycloak = await startFakeKeycloak({
    clients: [KEYCLOAK_CLIENT],
    users: USERS.map((email) => ({ username: email.split("@")[0]!, email })),
  });
});
afterAll(() => keycloak?.close());

/** A boot on Keycloak with the sentinel secrets: a migrated database of the sentinel role's, the manifest, the fault. */
async function bootWithFault(context: Parameters<typeof count>[0], fault: KeycloakFaultRule, env: Record<string, string>) {
  const [databaseUrl, manifestPath] = await Promise.all([migratedAppDatabase(), writeManifest(ENTRIES)]);
  const scenario = {
    entries: ENTRIES,
    env: { ...keycloakEnvironment(keycloak.baseUrl, keycloak.realm, databaseUrl, manifestPath), ...SENTINEL_AWS_CREDENTIALS },
  };
  keycloak.clearFaults();
  keycloak.resetRequests();
  keycloak.addFault(fault);
  const result = await seedDirect(context, scenario, [], env);
  mustBeZero(context, "Keycloak client secret in output", output(result).includes(KEYCLOAK_CLIENT.secret) ? 1 : 0);
  expect(output(result)).not.toContain(KEYCLOAK_CLIENT.secret);
  return { result, state: await tableContents(databaseUrl) };
}

/** Resolution's time, from the summary line's timings (`cognitoMs`: the directory's, whichever it is). */
function resolutionMs(result: CommandResult): number {
  return Number((logLines(result).at(-1)?.timings as { cognitoMs?: number } | undefined)?.cognitoMs);
}

describe("Keycloak's time bounds", () => {
  it.for(CASES)(
    `$label: skipped within the ${TIMEOUT_MS} ms request timeout, and the boot goes on`,
    async ({ label, fault, skipped }, context) => {
      const { result, state } = await bootWithFault(context, fault, { SEED_KEYCLOAK_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
      const transient = logLines(result).filter((line) => line.outcome === "transient");
      const ms = resolutionMs(result);
      const seeded = USERS.length - skipped;
      const held =
        result.code === 0 &&
        transient.length === skipped &&
        state.userRoles.length === seeded &&
        state.roles.length === ROLES.length &&
        ms >= TIMEOUT_MS &&
        ms < boundFor(TIMEOUT_MS);
      count(context, `Keycloak hang: ${label} (time bound)`, 1, held ? 1 : 0);
      console.log(`${label}: ${skipped} skipped after ${ms} ms of resolution (timeout ${TIMEOUT_MS} ms, bound ${boundFor(TIMEOUT_MS)} ms)`);
      expect(result.code, output(result)).toBe(0);
      expect(transient).toHaveLength(skipped);
      // Each skipped user names the timeout that cost it.
      for (const line of transient) expect(line.reason).toBe(`Keycloak did not answer within ${TIMEOUT_MS} ms`);
      expect(state.roles).toHaveLength(ROLES.length);
      expect(state.profiles).toHaveLength(seeded);
      expect(state.userRoles).toHaveLength(seeded);
      // It waited for the timeout, and not much longer: a hang costs one timeout, not one per user.
      expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
      expect(ms).toBeLessThan(boundFor(TIMEOUT_MS));
    },
  );

  it(`seven users whose searches all hang are skipped within ${boundFor(DEFAULT_TIMEOUT_MS) / 1000} s, with default settings`, async (context) => {
    const { result, state } = await bootWithFault(context, { endpoint: "users", fault: keycloakFaults.hang() }, {});
    const skipped = logLines(result).filter((line) => line.outcome === "transient").length;
    const ms = resolutionMs(result);
    const held = result.code === 0 && skipped === USERS.length && ms < boundFor(DEFAULT_TIMEOUT_MS);
    count(context, "Keycloak hang: every search hangs, 7 users, default timeouts (time bound)", 1, held ? 1 : 0);
    console.log(`seven hung Keycloak searches: skipped after ${ms} ms of resolution (bound ${boundFor(DEFAULT_TIMEOUT_MS)} ms)`);
    expect(result.code, output(result)).toBe(0);
    expect(skipped).toBe(USERS.length);
    expect(state.roles).toHaveLength(ROLES.length);
    expect(ms).toBeGreaterThanOrEqual(DEFAULT_TIMEOUT_MS);
    expect(ms).toBeLessThan(boundFor(DEFAULT_TIMEOUT_MS));
  });
});
