/**
 * The seed on Keycloak, end to end: the real `npx prisma db seed` and
 * `node bin/deploy.js` (flip-db-deploy) with IDENTITY_PROVIDER=keycloak,
 * against real PostgreSQL and the fake Keycloak (test/support/fake-keycloak.ts,
 * Keycloak 26's Admin REST API with faults). Every outcome, and every row of
 * the taxonomy: transient faults skip the users they hit and the boot goes on
 * (exit 0); fatal ones stop it before anything is written (exit 1), in one
 * line that names what to fix. The client secret is a sentinel that no output
 * may show.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { ROLES } from "../../src/shared/roles.js";
import { flipDbDeploy, logLines, output, seedDirectly, seedThroughPrisma } from "../support/commands.js";
import { grants, profiles, tableContents } from "../support/database-state.js";
import {
  keycloakFaults,
  startFakeKeycloak,
  tokenEndpointDown,
  type FakeKeycloak,
  type FakeUser,
  type KeycloakFaultRule,
} from "../support/fake-keycloak.js";
import { KEYCLOAK_CLIENT, keycloakScenario } from "../support/keycloak-scenario.js";
import type { CommandResult } from "../support/run-command.js";
import { entry } from "../support/seed-fixture.js";

/** A client whose service account holds no realm-management role. */
const ROLELESS_CLIENT = { clientId: "flip-db-roleless", secret: KEYCLOAK_CLIENT.secret, roles: [] };

const ALICE = { id: randomUUID(), username: "alice", email: "alice@example.org" };
const BOB = { id: randomUUID(), username: "bob", email: "bob@example.org" };
const CAROL = { id: randomUUID(), username: "carol", email: "carol@example.org" };

/** Fast failure for runs that meet faults on purpose. */
const QUICK = { SEED_KEYCLOAK_CONNECT_TIMEOUT_MS: "500", SEED_KEYCLOAK_REQUEST_TIMEOUT_MS: "500" };

let keycloak: FakeKeycloak;

beforeAll(async () => {
  keycloak = await startFakeKeycloak({ clients: [KEYCLOAK_CLIENT, ROLELESS_CLIENT] });
});
afterAll(() => keycloak?.close());
beforeEach(() => {
  keycloak.clearFaults();
  keycloak.resetRequests();
  keycloak.setUsers([ALICE, BOB, CAROL]);
});

/** Fails the test when the client secret, or a manifest email in full, shows in any output. */
function expectNothingLeaked(result: CommandResult, emails: readonly string[]): void {
  const printed = output(result);
  expect(printed).not.toContain(KEYCLOAK_CLIENT.secret);
  for (const email of emails) expect(printed.toLowerCase()).not.toContain(email.toLowerCase());
  expect(printed).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe("the seed on Keycloak, through npx prisma db seed", () => {
  it("resolves, and skips not_found, ineligible (disabled, unverified) and ambiguous users (duplicates across pages)", async () => {
    // 101 accounts share one email: only the first and the last are eligible, 100 apart, so on two pages of 100.
    const duplicates = Array.from({ length: 101 }, (_, i) => ({
      username: `dup-${String(i).padStart(3, "0")}`,
      email: "dup@example.org",
      enabled: i === 0 || i === 100,
    }));
    keycloak.setUsers([
      ALICE,
      BOB,
      { username: "dis", email: "disabled@example.org", enabled: false },
      { username: "unv", email: "unverified@example.org", emailVerified: false },
      ...duplicates,
    ]);
    const manifest = [
      entry("alice@example.org", "Admin"),
      // Keycloak stores emails lower-cased and searches them so: any case matches.
      entry("Bob@Example.org", "Researcher"),
      entry("nobody@example.org", "Viewer"),
      entry("disabled@example.org", "Viewer"),
      entry("unverified@example.org", "Viewer"),
      entry("dup@example.org", "Viewer"),
    ];
    const s = await keycloakScenario(keycloak, manifest);

    const result = await seedThroughPrisma(s.env);
    expect(result.code, output(result)).toBe(0);
    expectNothingLeaked(
      result,
      manifest.map((user) => user.email),
    );

    // The lines name the directory the boot uses: Keycloak, never Cognito.
    const messages = logLines(result).map((line) => String(line.msg));
    expect(messages).toContain("Keycloak lookup: filter (a scan of Keycloak is never worth it; 6 filtered calls)");
    expect(messages).toContain("2 of 6 users resolved in Keycloak; applying in one transaction");
    expect(messages.filter((message) => message.includes("Cognito"))).toEqual([]);

    const outcomes = logLines(result)
      .filter((line) => typeof line.entry === "number")
      .map((line) => [line.entry, line.outcome, line.reason]);
    expect(outcomes).toEqual([
      [0, "resolved", undefined],
      [1, "resolved", undefined],
      [2, "not_found", "no Keycloak account has this email"],
      [3, "ineligible", "account disabled"],
      [4, "ineligible", "email not verified"],
      [5, "ambiguous", expect.stringContaining("2")],
    ]);
    expect(await grants(s.databaseUrl)).toEqual(
      [
        { user_id: ALICE.id, role: "Admin" },
        { user_id: BOB.id, role: "Researcher" },
      ].sort((a, b) => a.user_id.localeCompare(b.user_id)),
    );
    expect((await profiles(s.databaseUrl)).map((profile) => profile.user_id).sort()).toEqual([ALICE.id, BOB.id].sort());
    // The duplicates were read over both pages; no scan of the realm (Keycloak's pacing says none is worth it).
    const searches = keycloak.requests.filter((request) => request.endpoint === "users");
    expect(searches.filter((request) => request.query.email === "dup@example.org").map((request) => request.query.first)).toEqual([
      "0",
      "100",
    ]);
    expect(searches.every((request) => request.query.exact === "true")).toBe(true);
    expect(keycloak.requests.filter((request) => request.endpoint === "token")).toHaveLength(1);
  });

  it("a fatal refusal stops the seed before anything is written, in one line; the log and the report never show the secret", async () => {
    const manifest = [entry(ALICE.email, "Admin")];
    const s = await keycloakScenario(keycloak, manifest);
    // Keycloak (or a proxy) quoting the secret back: the command's scrubber has it from KEYCLOAK_CLIENT_SECRET.
    const echo = { error: "unauthorized_client", error_description: `client secret ${KEYCLOAK_CLIENT.secret} not accepted` };
    keycloak.addFault({ endpoint: "token", fault: keycloakFaults.status(401, JSON.stringify(echo), "application/json") });
    const reportPath = path.join(await mkdtemp(path.join(tmpdir(), "kc-report-")), "report.json");
    const result = await seedThroughPrisma(s.env, ["--report", reportPath]);
    expect(result.code, output(result)).toBe(1);
    expectNothingLeaked(
      result,
      manifest.map((user) => user.email),
    );
    const fatal = logLines(result).filter((line) => line.level === "fatal");
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.msg).toMatch(
      /^Keycloak: Keycloak refused the client \(token endpoint, HTTP 401: unauthorized_client: client secret \[redacted\] not accepted\): check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET/,
    );
    const report = await readFile(reportPath, "utf8");
    expect(report).not.toContain(KEYCLOAK_CLIENT.secret);
    expect(JSON.parse(report)).toMatchObject({ status: "DIRECTORY_FATAL", problems: [fatal[0]?.msg] });
    expect(await tableContents(s.databaseUrl)).toEqual({ roles: [], profiles: [], userRoles: [], seedGrants: [] });
  });

  it("a missing Keycloak variable is refused before any call, with the usual line and exit code", async () => {
    const s = await keycloakScenario(keycloak, [entry(ALICE.email)]);
    const result = await seedThroughPrisma({ ...s.env, KEYCLOAK_REALM: "" });
    expect(result.code, output(result)).toBe(1);
    expect(
      logLines(result)
        .filter((line) => line.level === "fatal")
        .map((line) => line.msg),
    ).toEqual(["KEYCLOAK_REALM: is required (the realm the platform's users are in, e.g. flip)"]);
    expect(keycloak.requests).toEqual([]);
  });
});

describe("the seed's flags on Keycloak", () => {
  it("--lookup scan is a usage error (exit 2) before any lookup: Keycloak is looked up by email only", async () => {
    const s = await keycloakScenario(keycloak, [entry(ALICE.email)]);
    const result = await seedDirectly(s.env, ["--lookup", "scan"]);
    expect(result.code, output(result)).toBe(2);
    expect(
      logLines(result)
        .filter((line) => line.level === "fatal")
        .map((line) => line.msg),
    ).toEqual(["--lookup scan: Keycloak is looked up by email only (a scan of it is never worth it); use auto or filter"]);
    expect(keycloak.requests.filter((request) => request.endpoint === "users")).toEqual([]);
    expect(await tableContents(s.databaseUrl)).toEqual({ roles: [], profiles: [], userRoles: [], seedGrants: [] });
  });
});

type Case = { label: string; faults?: KeycloakFaultRule[]; env?: Record<string, string>; users?: FakeUser[] };

const TRANSIENT: Case[] = [
  { label: "HTTP 500 from the users endpoint", faults: [{ endpoint: "users", fault: keycloakFaults.serverError(500) }] },
  { label: "HTTP 503 from a proxy", faults: [{ endpoint: "users", fault: keycloakFaults.proxyDown(503) }] },
  { label: "HTTP 502 with an empty body", faults: [{ endpoint: "users", fault: keycloakFaults.status(502) }] },
  { label: "HTTP 429, after slowing down", faults: [{ endpoint: "users", fault: keycloakFaults.tooManyRequests() }] },
  { label: "a connection reset", faults: [{ endpoint: "users", fault: keycloakFaults.reset() }] },
  { label: "an answer that never comes", faults: [{ endpoint: "users", fault: keycloakFaults.hang() }] },
  { label: "the token endpoint down", faults: [tokenEndpointDown] },
  { label: "a connection reset at the token endpoint", faults: [{ endpoint: "token", fault: keycloakFaults.reset() }] },
  { label: "a refused connection", env: { KEYCLOAK_URL: "http://127.0.0.1:1" } },
  { label: "a DNS failure", env: { KEYCLOAK_URL: "http://keycloak.flip-db-test.invalid" } },
];

const FATAL: Array<Case & { fix: RegExp }> = [
  {
    label: "invalid_client (an unknown client)",
    env: { KEYCLOAK_CLIENT_ID: "nobody" },
    fix: /invalid_client.*check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET/,
  },
  {
    label: "unauthorized_client (a wrong secret)",
    env: { KEYCLOAK_CLIENT_SECRET: "not-the-secret-0000" },
    fix: /unauthorized_client.*check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET/,
  },
  {
    label: "HTTP 401 from the token endpoint",
    faults: [{ endpoint: "token", fault: keycloakFaults.unauthorized() }],
    fix: /token endpoint, HTTP 401.*check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET/,
  },
  {
    label: "HTTP 403 from the users endpoint",
    env: { KEYCLOAK_CLIENT_ID: ROLELESS_CLIENT.clientId },
    fix: /users endpoint, HTTP 403.*give it the realm-management role view-users/,
  },
  { label: "HTTP 404 for the realm", env: { KEYCLOAK_REALM: "elsewhere" }, fix: /the realm does not exist .*check KEYCLOAK_REALM/ },
  {
    label: "HTTP 404 for the realm from the Admin API",
    faults: [{ endpoint: "users", fault: keycloakFaults.realmNotFound() }],
    fix: /the realm does not exist \(users endpoint, HTTP 404: Realm not found\.\): check KEYCLOAK_REALM/,
  },
  {
    label: "a second 401 after a fresh token",
    faults: [{ endpoint: "users", fault: keycloakFaults.unauthorized() }],
    fix: /refused a freshly issued admin token .*twice.*check that KEYCLOAK_URL/,
  },
  {
    label: "an HTML page instead of JSON",
    faults: [{ endpoint: "users", fault: keycloakFaults.htmlPage() }],
    fix: /users endpoint answered with HTML, not the documented JSON/,
  },
  {
    label: "JSON cut short",
    faults: [{ endpoint: "users", fault: keycloakFaults.invalidJson() }],
    fix: /users endpoint answered with text that is not JSON, not the documented JSON/,
  },
  {
    // A user-federation provider without "Import users" lists accounts by `f:<provider id>:<username>`, which user_profile cannot hold.
    label: "a federated user that was not imported",
    users: [ALICE, { ...BOB, id: "f:0c2d5e3a-ldap:bob" }, CAROL],
    fix: /not a UUID \(a user federated without import\?\): turn on Import users in the realm's user federation/,
  },
  {
    label: "Keycloak's own words quoting the secret",
    faults: [
      {
        endpoint: "token",
        fault: keycloakFaults.status(
          401,
          JSON.stringify({ error: "unauthorized_client", error_description: `secret ${KEYCLOAK_CLIENT.secret} refused` }),
          "application/json",
        ),
      },
    ],
    fix: /secret \[redacted\] refused.*check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET/,
  },
];

const USERS = [entry(ALICE.email, "Admin"), entry(BOB.email, "Researcher"), entry(CAROL.email, "Viewer")];
const EMAILS = USERS.map((user) => user.email);

async function boot(c: Case) {
  for (const rule of c.faults ?? []) keycloak.addFault(rule);
  if (c.users) keycloak.setUsers(c.users);
  const s = await keycloakScenario(keycloak, USERS);
  const result = await flipDbDeploy({ ...s.env, ...QUICK, ...c.env });
  expectNothingLeaked(result, EMAILS);
  return { result, state: await tableContents(s.databaseUrl), lines: logLines(result) };
}

describe("the taxonomy on Keycloak, through node bin/deploy.js", () => {
  it("a boot resolves every user", async () => {
    const { result, state } = await boot({ label: "no fault" });
    expect(result.code, output(result)).toBe(0);
    expect(state.profiles).toHaveLength(3);
    expect(state.userRoles).toHaveLength(3);
  });

  it.for(TRANSIENT)("transient: $label skips every user it hits, exit 0", async (c) => {
    const { result, state, lines } = await boot(c);
    expect(result.code, output(result)).toBe(0);
    expect(lines.filter((line) => line.outcome === "transient").map((line) => line.entry)).toEqual([0, 1, 2]);
    expect(state.roles).toHaveLength(ROLES.length);
    expect({ ...state, roles: [] }).toEqual({ roles: [], profiles: [], userRoles: [], seedGrants: [] });
  });

  it("transient: HTTP 503 for one user skips that user only", async () => {
    const { result, state, lines } = await boot({
      label: "once",
      faults: [{ endpoint: "users", fault: keycloakFaults.proxyDown(), times: 1 }],
    });
    expect(result.code, output(result)).toBe(0);
    expect(lines.filter((line) => line.outcome === "transient")).toHaveLength(1);
    expect(state.profiles).toHaveLength(2);
    expect(state.userRoles).toHaveLength(2);
  });

  it.for(FATAL)("fatal: $label stops the boot, nothing written, one line naming what to fix", async (c) => {
    const { result, state, lines } = await boot(c);
    expect(result.code, output(result)).toBe(1);
    const seedFatal = lines.filter((line) => line.level === "fatal" && line.code === "DIRECTORY_FATAL");
    expect(seedFatal, output(result)).toHaveLength(1);
    expect(seedFatal[0]?.msg).toMatch(c.fix);
    expect(state).toEqual({ roles: [], profiles: [], userRoles: [], seedGrants: [] });
  });
});
