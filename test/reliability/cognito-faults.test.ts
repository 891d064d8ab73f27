/**
 * Suite 3: Cognito faults, injected by the fault proxy, once for one user and
 * once for every user. A transient fault skips the users it hits and the boot
 * goes on; a fatal one stops the boot before anything is written. Also: a
 * Cognito that never answers costs the boot a bounded, documented time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ROLES } from "../../src/shared/roles.js";
import { logLines, output } from "../support/commands.js";
import { tableContents } from "../support/database-state.js";
import { awsError, startFaultProxy, type Fault, type FaultProxy } from "../support/fault-proxy.js";
import { stack } from "../support/stack.js";
import { count, mustBeZero } from "./support/figures.js";
import { reliabilityScenario, seed, seedDirect } from "./support/runs.js";
import { ENTRIES, USERS } from "./support/seven-users.js";

const POOL = USERS.map((email) => ({ email }));
const TARGET = USERS[1]!;

/** Quick failure: two attempts, one-second requests. */
const QUICK = { SEED_COGNITO_REQUEST_TIMEOUT_MS: "1000", SEED_COGNITO_CONNECT_TIMEOUT_MS: "1000", AWS_MAX_ATTEMPTS: "2" };

/** The README's bound for a Cognito that never answers, with default settings, for up to ten users. */
const HANG_BOUND_MS = 20_000;

type Kind = "transient" | "fatal";
const FAULTS: Array<[string, Fault | "refused", Kind]> = [
  ["HTTP 500", { kind: "status", status: 500 }, "transient"],
  ["HTTP 503", { kind: "status", status: 503, errorType: "InternalErrorException" }, "transient"],
  ["HTTP 502 with an empty body", { kind: "status", status: 502, body: "" }, "transient"],
  ["HTTP 429", { kind: "status", status: 429, body: "" }, "transient"],
  ["TooManyRequestsException", awsError("TooManyRequestsException", 400), "transient"],
  ["ThrottlingException", awsError("ThrottlingException", 400), "transient"],
  ["connection reset", { kind: "reset" }, "transient"],
  ["connection refused", "refused", "transient"],
  ["a response that never comes", { kind: "hang" }, "transient"],
  ["NotAuthorizedException", awsError("NotAuthorizedException", 400), "fatal"],
  ["ResourceNotFoundException", awsError("ResourceNotFoundException", 400), "fatal"],
  ["InvalidParameterException", awsError("InvalidParameterException", 400), "fatal"],
  ["UnrecognizedClientException", awsError("UnrecognizedClientException", 400), "fatal"],
  ["AccessDeniedException", awsError("AccessDeniedException", 400), "fatal"],
];

describe("Cognito faults", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(stack().cognitoEndpoint);
  });
  afterAll(() => proxy.close());

  // A refused connection cannot be aimed at one user: the email travels inside a connection that was never made.
  const cases = FAULTS.flatMap(([label, fault, kind]) =>
    (fault === "refused" ? ["every user"] : ["one user", "every user"]).map((scope) => [label, scope, fault, kind] as const),
  );

  /** Skipped users make the summary loud: a warning for one, an error saying Cognito was unreachable for every one. */
  function expectLoudSummary(lines: ReturnType<typeof logLines>, scope: string): void {
    const summary = lines.find((line) => / users seeded, /.test(line.msg));
    if (scope === "one user") {
      expect(summary).toMatchObject({ level: "warn", msg: expect.stringMatching(/; see the skipped users above$/) });
    } else {
      expect(summary).toMatchObject({
        level: "error",
        msg: expect.stringMatching(
          /^0 of \d+ users seeded, .*; Cognito was unreachable for every user: the boot goes on without them; check that this host reaches Cognito, then boot again \(--strict stops the boot instead\)$/,
        ),
      });
    }
  }

  it.for(cases)("%s for %s", async ([label, scope, fault, kind], context) => {
    const s = await reliabilityScenario(POOL, ENTRIES);
    proxy.clearFaults();
    proxy.resetCounts();
    const endpoint = fault === "refused" ? "http://127.0.0.1:1" : proxy.endpoint;
    if (fault !== "refused") proxy.addFault({ match: scope === "one user" ? { email: TARGET } : "all", fault });

    const result = await seed(context, s, [], { ...QUICK, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: endpoint });
    const lines = logLines(result);
    const state = await tableContents(s.databaseUrl);

    let held: boolean;
    if (kind === "transient") {
      const skipped = lines.filter((line) => line.outcome === "transient").length;
      const seeded = scope === "one user" ? USERS.length - 1 : 0;
      held =
        result.code === 0 && skipped === USERS.length - seeded && state.userRoles.length === seeded && state.roles.length === ROLES.length;
      expect(result.code, output(result)).toBe(0);
      expect(skipped).toBe(USERS.length - seeded);
      expect(state.profiles).toHaveLength(seeded);
      expect(state.userRoles).toHaveLength(seeded);
      expect(state.roles).toHaveLength(ROLES.length);
      if (scope === "one user") expect(lines).toContainEqual(expect.objectContaining({ outcome: "transient", entry: 1 }));
      expectLoudSummary(lines, scope);
    } else {
      const fatal = lines.filter((line) => line.level === "fatal");
      const rows = state.roles.length + state.profiles.length + state.userRoles.length + state.seedGrants.length;
      held = result.code === 1 && fatal.length === 1 && rows === 0;
      mustBeZero(context, "rows lost or half-written", rows);
      expect(result.code, output(result)).toBe(1);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]?.msg).toContain(label);
      expect(rows).toBe(0);
    }
    count(context, `Cognito fault: ${label} (${kind}, ${scope})`, 1, held ? 1 : 0);
  });

  it(`seven users whose requests all hang are skipped within ${HANG_BOUND_MS / 1000} s, with default settings`, async (context) => {
    const s = await reliabilityScenario(POOL, ENTRIES);
    proxy.clearFaults();
    proxy.addFault({ match: "all", fault: { kind: "hang" } });
    const result = await seedDirect(context, s, [], { AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: proxy.endpoint });
    const lines = logLines(result);
    const skipped = lines.filter((line) => line.outcome === "transient").length;
    // The seed's own work, from its summary line: loading code is the machine's time, not the seed's.
    const seedMs = Number((lines.at(-1)?.timings as { workMs?: number } | undefined)?.workMs);
    const held = result.code === 0 && skipped === 7 && seedMs < HANG_BOUND_MS;
    count(context, "Cognito fault: every request hangs, 7 users, default timeouts (time bound)", 1, held ? 1 : 0);
    console.log(
      `seven hung users: skipped after ${seedMs} ms of the seed's work (bound ${HANG_BOUND_MS} ms), ${Math.round(result.durationMs)} ms wall`,
    );
    expect(result.code, output(result)).toBe(0);
    expect(skipped).toBe(7);
    expect(seedMs).toBeLessThan(HANG_BOUND_MS);
  });
});
