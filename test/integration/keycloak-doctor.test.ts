/**
 * The doctor with IDENTITY_PROVIDER=keycloak, as an operator runs it
 * (`node bin/doctor.js`), against real PostgreSQL and the fake Keycloak: its
 * four Keycloak checks in place of Cognito's, each fault found by the first
 * check that can see it, in the directory's own words.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CHECK_NAMES, NOBODY } from "../../src/doctor/checks.js";
import { KEYCLOAK_CHECK_NAMES } from "../../src/doctor/keycloak-checks.js";
import { output, ROOT } from "../support/commands.js";
import { startFakeKeycloak, type FakeKeycloak } from "../support/fake-keycloak.js";
import { KEYCLOAK_CLIENT, keycloakScenario, type KeycloakScenario } from "../support/keycloak-scenario.js";
import { runCommand, type CommandResult } from "../support/run-command.js";
import { entry } from "../support/seed-fixture.js";

const EMAIL = "alice.doctor@example.org";
/** The checklist of a boot on Keycloak: the common checks, then Keycloak's. */
const CHECKS: readonly string[] = [...CHECK_NAMES.filter((name) => !name.startsWith("Cognito")), ...KEYCLOAK_CHECK_NAMES];
const QUERY_ONLY = { clientId: "flip-db-query-only", secret: KEYCLOAK_CLIENT.secret, roles: ["query-users" as const] };
const ROLELESS = { clientId: "flip-db-roleless", secret: KEYCLOAK_CLIENT.secret, roles: [] };

function doctor(env: Record<string, string | undefined>): Promise<CommandResult> {
  return runCommand("node", ["bin/doctor.js"], { cwd: ROOT, env, timeoutMs: 120_000 });
}

/** `{ status, detail }` of each line, in the order printed. */
function checklist(result: CommandResult): Array<{ name: string; status: string; detail: string }> {
  return result.stdout.split("\n").flatMap((line) => {
    const match = /^(PASS|FAIL|SKIP) {2}(.+?) {2,}(.*)$/.exec(line);
    return match ? [{ status: match[1]!, name: match[2]!.trim(), detail: match[3]! }] : [];
  });
}

const statuses = (result: CommandResult) => checklist(result).map((line) => `${line.name}: ${line.status}`);
const detail = (result: CommandResult, name: string) => checklist(result).find((line) => line.name === name)?.detail ?? "";

function expected(...statuses: string[]): string[] {
  return CHECKS.map((name, i) => `${name}: ${statuses[i]}`);
}

let keycloak: FakeKeycloak;
let s: KeycloakScenario;

beforeAll(async () => {
  keycloak = await startFakeKeycloak({ clients: [KEYCLOAK_CLIENT, QUERY_ONLY, ROLELESS], users: [{ username: "alice", email: EMAIL }] });
  s = await keycloakScenario(keycloak, [entry(EMAIL, "Admin")]);
});
afterAll(() => keycloak?.close());

/** No secret, no full email, no stack, on either stream. */
function expectNothingLeaked(result: CommandResult): void {
  const printed = output(result);
  expect(printed).not.toContain(KEYCLOAK_CLIENT.secret);
  expect(printed).not.toContain(EMAIL);
  expect(printed).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe("the doctor on Keycloak", () => {
  it("passes every check of a realm set up as the README says, with Keycloak's checks in place of Cognito's", async () => {
    keycloak.resetRequests();
    const result = await doctor(s.env);
    expect(result.code, output(result)).toBe(0);
    expectNothingLeaked(result);
    expect(statuses(result)).toEqual(expected(...CHECKS.map(() => "PASS")));
    expect(detail(result, "configuration")).toMatch(/Keycloak realm flip at http:\/\/127\.0\.0\.1:\d+, client flip-db$/);
    expect(detail(result, "Keycloak client")).toBe("client flip-db accepted: an admin token by client_credentials, valid 300 s");
    expect(detail(result, "Keycloak role")).toBe(
      "the service account service-account-flip-db may view users (realm-management view-users)",
    );
    expect(detail(result, "Keycloak lookups")).toBe("the client flip-db may search realm flip's users by email");
    // The doctor's one search is for an address no account can have, as with Cognito: it reads no one.
    expect(keycloak.requests.filter((request) => request.endpoint === "users").map((request) => request.query.email)).toEqual([NOBODY]);
    expect(result.stdout).toContain(`doctor: all ${CHECKS.length} checks passed`);
  });

  it("a realm that does not exist fails the realm check, naming KEYCLOAK_REALM; the client is not tried", async () => {
    keycloak.resetRequests();
    const result = await doctor({ ...s.env, KEYCLOAK_REALM: "elsewhere" });
    expect(result.code, output(result)).toBe(1);
    expect(statuses(result)).toEqual(expected("PASS", "PASS", "PASS", "PASS", "PASS", "FAIL", "SKIP", "SKIP", "SKIP"));
    expect(detail(result, "Keycloak realm")).toBe(
      "the realm does not exist (realm endpoint, HTTP 404: Realm does not exist): check KEYCLOAK_REALM",
    );
    expect(keycloak.requests.map((request) => request.endpoint)).toEqual(["realm"]);
  });

  it("a wrong secret fails the client check in the seed's words, without showing either secret", async () => {
    const result = await doctor({ ...s.env, KEYCLOAK_CLIENT_SECRET: "SENTINEL-wrong-secret-77d1" });
    expect(result.code, output(result)).toBe(1);
    expect(statuses(result)).toEqual(expected("PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "FAIL", "SKIP", "SKIP"));
    expect(detail(result, "Keycloak client")).toMatch(/^Keycloak refused the client .*check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET/);
    expect(output(result)).not.toContain("SENTINEL-wrong-secret-77d1");
    expectNothingLeaked(result);
  });

  it.each([
    ["no realm-management role", ROLELESS.clientId],
    // Keycloak answers such a client's searches with an empty list: every user would pass for not found.
    ["query-users but not view-users", QUERY_ONLY.clientId],
  ])("a service account with %s fails the role check: give it view-users", async (_, clientId) => {
    const result = await doctor({ ...s.env, KEYCLOAK_CLIENT_ID: clientId });
    expect(result.code, output(result)).toBe(1);
    expect(statuses(result)).toEqual(expected("PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "FAIL", "SKIP"));
    expect(detail(result, "Keycloak role")).toMatch(/\(user endpoint, HTTP 403.*\): give it the realm-management role view-users/);
  });

  it("an unreachable Keycloak fails the realm check as transient: try again, check the host can reach KEYCLOAK_URL", async () => {
    const result = await doctor({ ...s.env, KEYCLOAK_URL: "http://127.0.0.1:1" });
    expect(result.code, output(result)).toBe(1);
    expect(detail(result, "Keycloak realm")).toBe(
      "Keycloak unreachable (ECONNREFUSED): try again; if it persists, check that this host can reach KEYCLOAK_URL",
    );
  });

  it("a missing Keycloak variable fails the configuration check; nothing is asked of Keycloak", async () => {
    keycloak.resetRequests();
    const result = await doctor({ ...s.env, KEYCLOAK_CLIENT_SECRET: "" });
    expect(result.code, output(result)).toBe(1);
    expect(statuses(result)).toEqual(expected("FAIL", "PASS", "SKIP", "SKIP", "SKIP", "SKIP", "SKIP", "SKIP", "SKIP"));
    expect(detail(result, "configuration")).toBe("KEYCLOAK_CLIENT_SECRET: is required (that client's secret, from its Credentials tab)");
    expect(keycloak.requests).toEqual([]);
  });
});
