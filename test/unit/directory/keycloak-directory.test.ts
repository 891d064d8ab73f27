/**
 * The Keycloak directory against the fake Keycloak (test/support/fake-keycloak.ts)
 * on loopback: what it asks, what the answers mean, paging, the admin token.
 * The failures are in keycloak-directory-failures.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { FatalDirectoryError } from "../../../src/directory/FatalDirectoryError.js";
import type { DirectoryAnswer } from "../../../src/directory/identity-directory.js";
import {
  createKeycloakDirectory,
  KEYCLOAK_DEFAULTS,
  KEYCLOAK_PROFILE,
  keycloakConnection,
  RealmDirectory,
  type KeycloakDirectory,
  type KeycloakDirectoryOptions,
} from "../../../src/directory/keycloak-directory.js";
import { keycloakFaults, startFakeKeycloak, type FakeKeycloak, type FakeUser } from "../../support/fake-keycloak.js";

const SECRET = "sentinel-secret-0d9f4c7e";
const CLIENT = { clientId: "flip-db-seed", secret: SECRET };
const ALICE = "0b6c1f0e-6a0e-4d56-9d0a-2f4b8a9f3c11";
const OTHER = "7d1e2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b";
const TOKEN_LIFESPAN_S = 300;

const alice = (overrides: Partial<FakeUser> = {}): FakeUser => ({ id: ALICE, username: "alice", email: "alice@example.org", ...overrides });

let keycloak: FakeKeycloak;
let directory: KeycloakDirectory;
let now: number;

function open(options: Partial<KeycloakDirectoryOptions> = {}): KeycloakDirectory {
  // As createKeycloakDirectory opens it, on a clock the test moves.
  const { api, http } = keycloakConnection({
    baseUrl: keycloak.baseUrl,
    realm: "flip",
    clientId: CLIENT.clientId,
    clientSecret: SECRET,
    ...options,
  });
  directory = new RealmDirectory(api, http, () => now);
  return directory;
}

const requests = (endpoint: string) => keycloak.requests.filter((request) => request.endpoint === endpoint);

beforeEach(async () => {
  now = 1_700_000_000_000;
  keycloak = await startFakeKeycloak({ clients: [CLIENT], tokenLifespanSeconds: TOKEN_LIFESPAN_S });
  open();
});

afterEach(async () => {
  directory.close();
  await keycloak.close();
});

describe("KeycloakDirectory: the requests", () => {
  it("asks for an admin token by client_credentials, then searches for exactly the email, briefly, 100 at a time", async () => {
    keycloak.setUsers([alice()]);
    await directory.lookup("alice@example.org");

    expect(keycloak.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      "POST /realms/flip/protocol/openid-connect/token",
      "GET /admin/realms/flip/users",
    ]);
    const [token, users] = keycloak.requests;
    expect(token).toMatchObject({ grantType: "client_credentials", clientId: "flip-db-seed", outcome: "answered:200" });
    expect(users!.query).toEqual({ briefRepresentation: "true", email: "alice@example.org", exact: "true", first: "0", max: "100" });
    expect(users!.bearer).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("reuses one admin token for every lookup while it is fresh", async () => {
    keycloak.setUsers([alice()]);
    for (const email of ["alice@example.org", "bob@example.org", "carol@example.org"]) await directory.lookup(email);
    expect(requests("token")).toHaveLength(1);
    expect(new Set(requests("users").map((request) => request.bearer)).size).toBe(1);
  });

  it("keeps its connection to Keycloak open between requests, and closes it on close()", async () => {
    keycloak.setUsers([alice()]);
    await directory.lookup("alice@example.org");
    await directory.lookup("alice@example.org");
    expect(keycloak.openConnections).toBe(1);
    directory.close();
    await expect.poll(() => keycloak.openConnections).toBe(0);
  });

  it("asks under the base URL's own path, and names the realm URL-encoded", async () => {
    await keycloak.close();
    keycloak = await startFakeKeycloak({ realm: "trust realm/1", clients: [CLIENT] });
    open({ baseUrl: `${keycloak.baseUrl}/`, realm: "trust realm/1" });
    keycloak.setUsers([alice()]);
    await expect(directory.lookup("alice@example.org")).resolves.toEqual({ status: "resolved", sub: ALICE });
    expect(keycloak.requests.map((request) => request.path)).toEqual([
      "/realms/trust%20realm%2F1/protocol/openid-connect/token",
      "/admin/realms/trust%20realm%2F1/users",
    ]);
  });

  it("says of itself what the seed's strategy and pacer need: Keycloak, 100 a page, 20 requests a second, no scan", () => {
    expect(directory.profile).toBe(KEYCLOAK_PROFILE);
    expect(directory.profile).toEqual({ name: "Keycloak", pageSize: 100, requestsPerSecond: 20, scanWorthwhile: false });
  });
});

describe("KeycloakDirectory: what the accounts mean", () => {
  it.each<[string, FakeUser[], string, DirectoryAnswer]>([
    ["one enabled, verified account resolves to its id", [alice()], "alice@example.org", { status: "resolved", sub: ALICE }],
    ["no account is not found", [alice({ email: "someone@example.org" })], "alice@example.org", { status: "not_found" }],
    [
      "an unverified account is ineligible",
      [alice({ emailVerified: false })],
      "alice@example.org",
      { status: "ineligible", reason: "email not verified" },
    ],
    [
      "a disabled account is ineligible",
      [alice({ enabled: false })],
      "alice@example.org",
      { status: "ineligible", reason: "account disabled" },
    ],
    [
      "a disabled, unverified account is ineligible for both reasons",
      [alice({ enabled: false, emailVerified: false })],
      "alice@example.org",
      { status: "ineligible", reason: "account disabled and email not verified" },
    ],
    [
      "two eligible accounts with one email (duplicate emails allowed) are ambiguous",
      [alice(), alice({ id: OTHER, username: "alice.2" })],
      "alice@example.org",
      { status: "ambiguous", matches: 2 },
    ],
    [
      "one eligible account beside a disabled one resolves to the eligible one",
      [alice({ id: OTHER, username: "alice.old", enabled: false }), alice()],
      "alice@example.org",
      { status: "resolved", sub: ALICE },
    ],
    [
      "a manifest email in mixed case finds the account: Keycloak stores and searches emails lower-cased",
      [alice({ email: "Alice@Example.ORG" })],
      "ALICE@example.Org",
      { status: "resolved", sub: ALICE },
    ],
    [
      "an account whose email only contains the one asked for is not it (exact search)",
      [alice({ email: "malice@example.org" })],
      "alice@example.org",
      { status: "not_found" },
    ],
    [
      "the id is returned lower-cased, as the schema stores it",
      [alice({ id: ALICE.toUpperCase() })],
      "alice@example.org",
      { status: "resolved", sub: ALICE },
    ],
  ])("%s", async (_, users, email, expected) => {
    keycloak.setUsers(users);
    await expect(directory.lookup(email)).resolves.toEqual(expected);
  });

  it("stops on an eligible account whose id is not a UUID (federated without import), saying what to turn on", async () => {
    keycloak.setUsers([alice({ id: "f:3f1c2a4e-ldap:alice" })]);
    const error = await directory.lookup("alice@example.org").catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FatalDirectoryError);
    expect((error as FatalDirectoryError).problems).toEqual([
      "Keycloak: the directory returned an account whose sub is not a UUID (a user federated without import?): " +
        "turn on Import users in the realm's user federation",
    ]);
  });
});

describe("KeycloakDirectory: paging", () => {
  /** `count` accounts with one email, all unverified but those whose index is in `eligible`. */
  function sameEmail(count: number, eligible: number[] = []): FakeUser[] {
    return Array.from({ length: count }, (_, index) => ({
      id: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
      username: `user-${String(index).padStart(4, "0")}`,
      email: "shared@example.org",
      emailVerified: eligible.includes(index),
    }));
  }

  it("follows every page of a search and finds the only eligible account on the last one", async () => {
    keycloak.setUsers(sameEmail(250, [249]));
    await expect(directory.lookup("shared@example.org")).resolves.toEqual({
      status: "resolved",
      sub: "00000000-0000-4000-8000-000000000249",
    });
    expect(requests("users").map((request) => [request.query.first, request.query.max])).toEqual([
      ["0", "100"],
      ["100", "100"],
      ["200", "100"],
    ]);
  });

  it("sees eligible accounts on different pages as ambiguous", async () => {
    keycloak.setUsers(sameEmail(150, [3, 140]));
    await expect(directory.lookup("shared@example.org")).resolves.toEqual({ status: "ambiguous", matches: 2 });
  });

  it("counts once an account that a user added meanwhile pushed onto the next page too", async () => {
    const brief = (user: FakeUser) => ({ enabled: true, emailVerified: false, ...user });
    const users = sameEmail(150, [99]).map(brief);
    // Page two starts one account early, as it would after an account was added before the eligible one.
    keycloak.addFault({
      endpoint: "users",
      fault: keycloakFaults.status(200, JSON.stringify(users.slice(0, 100)), "application/json"),
      times: 1,
    });
    keycloak.addFault({
      endpoint: "users",
      fault: keycloakFaults.status(200, JSON.stringify(users.slice(99, 149)), "application/json"),
      times: 1,
    });
    await expect(directory.lookup("shared@example.org")).resolves.toEqual({
      status: "resolved",
      sub: "00000000-0000-4000-8000-000000000099",
    });
    expect(requests("users")).toHaveLength(2);
  });

  it("asks once more after a full page, and stops at the empty one", async () => {
    keycloak.setUsers(sameEmail(100, [0]));
    await expect(directory.lookup("shared@example.org")).resolves.toEqual({
      status: "resolved",
      sub: "00000000-0000-4000-8000-000000000000",
    });
    expect(requests("users").map((request) => request.query.first)).toEqual(["0", "100"]);
  });

  it("lists every user a page at a time, the token being the next offset", async () => {
    const users = Array.from({ length: 150 }, (_, index) => ({
      username: `u${String(index).padStart(3, "0")}`,
      email: `u${index}@example.org`,
    }));
    keycloak.setUsers(users);
    const first = await directory.listPage(undefined);
    expect(first.accounts).toHaveLength(100);
    expect(first.next).toBe("100");
    const second = await directory.listPage(first.next);
    expect(second.accounts).toHaveLength(50);
    expect(second.next).toBeUndefined();
    expect(requests("users").map((request) => request.query)).toEqual([
      { briefRepresentation: "true", first: "0", max: "100" },
      { briefRepresentation: "true", first: "100", max: "100" },
    ]);
    // Keycloak's order (by username) and its stored, lower-cased emails.
    expect(first.accounts[0]).toEqual({ sub: keycloak.users[0]!.id, email: "u0@example.org", emailVerified: true, enabled: true });
    expect(second.accounts.at(-1)?.email).toBe("u149@example.org");
  });

  it("stops on a page token it did not give out", async () => {
    await expect(directory.listPage("ten")).rejects.toThrow(/^Keycloak: unexpected page token: this is a bug$/);
    expect(keycloak.requests).toEqual([]);
  });

  it("stops on a server that ignores `first` rather than reading the first page for ever", async () => {
    keycloak.setUsers(sameEmail(100));
    // Every page answered as the first one: the fake's answer to `first=0`, replayed.
    const firstPage = JSON.stringify(
      keycloak.users.map((user) => ({ id: user.id, username: user.username, email: user.email, emailVerified: false, enabled: true })),
    );
    keycloak.addFault({ endpoint: "users", fault: keycloakFaults.status(200, firstPage, "application/json") });
    const error = await directory.lookup("shared@example.org").catch((thrown: unknown) => thrown);
    expect(requests("users")).toHaveLength(2);
    expect((error as FatalDirectoryError).problems[0]).toMatch(/^Keycloak: Keycloak's users endpoint answered with the same page again/);
  });

  it("describes the realm by its user count, its emails compared regardless of case", async () => {
    keycloak.setUsers(sameEmail(42));
    await expect(directory.describe()).resolves.toEqual({ estimatedSize: 42, emailsCaseSensitive: false });
    expect(requests("count").map((request) => request.path)).toEqual(["/admin/realms/flip/users/count"]);
  });
});

describe("KeycloakDirectory: the admin token", () => {
  beforeEach(() => {
    keycloak.setUsers([alice()]);
  });

  it("asks for a new token 30 s before the current one expires", async () => {
    await directory.lookup("alice@example.org");
    now += (TOKEN_LIFESPAN_S - 31) * 1_000;
    await directory.lookup("alice@example.org");
    expect(requests("token")).toHaveLength(1);
    now += 1_000;
    await directory.lookup("alice@example.org");
    expect(keycloak.requests.map((request) => request.endpoint)).toEqual(["token", "users", "users", "token", "users"]);
    const [first, , third] = requests("users");
    expect(third!.bearer).not.toBe(first!.bearer);
  });

  it("answers one 401 by asking for a new token and asking again", async () => {
    keycloak.addFault({ endpoint: "users", fault: keycloakFaults.unauthorized(), times: 1 });
    await expect(directory.lookup("alice@example.org")).resolves.toEqual({ status: "resolved", sub: ALICE });
    expect(keycloak.requests.map((request) => `${request.endpoint} ${request.outcome}`)).toEqual([
      "token answered:200",
      "users fault:401",
      "token answered:200",
      "users answered:200",
    ]);
    const [refused, accepted] = requests("users");
    expect(accepted!.bearer).not.toBe(refused!.bearer);
  });

  it("recovers when Keycloak stops accepting every token it issued (a restart with new keys)", async () => {
    await directory.lookup("alice@example.org");
    keycloak.revokeTokens();
    await expect(directory.lookup("alice@example.org")).resolves.toEqual({ status: "resolved", sub: ALICE });
    expect(requests("token")).toHaveLength(2);
  });

  it("stops when Keycloak refuses a freshly issued token too, after exactly two tries", async () => {
    keycloak.addFault({ endpoint: "users", fault: keycloakFaults.unauthorized() });
    const error = await directory.lookup("alice@example.org").catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FatalDirectoryError);
    expect((error as FatalDirectoryError).problems).toEqual([
      "Keycloak: Keycloak refused a freshly issued admin token (users endpoint, HTTP 401: HTTP 401 Unauthorized, twice): " +
        "check that KEYCLOAK_URL is the address Keycloak issues its tokens for (its hostname setting)",
    ]);
    expect(keycloak.requests.map((request) => request.endpoint)).toEqual(["token", "users", "token", "users"]);
  });

  it("retries the count on a 401 the same way", async () => {
    keycloak.addFault({ endpoint: "count", fault: keycloakFaults.unauthorized(), times: 1 });
    await expect(directory.describe()).resolves.toEqual({ estimatedSize: 1, emailsCaseSensitive: false });
    expect(keycloak.requests.map((request) => request.endpoint)).toEqual(["token", "count", "token", "count"]);
  });

  it("shares one token request among lookups that start together", async () => {
    await Promise.all(["a", "b", "c", "d"].map((name) => directory.lookup(`${name}@example.org`)));
    expect(requests("token")).toHaveLength(1);
    expect(requests("users")).toHaveLength(4);
  });
});

describe("KeycloakDirectory: aborting", () => {
  it("asks nothing when the signal has already aborted", async () => {
    const error = await directory.lookup("alice@example.org", AbortSignal.abort()).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FatalDirectoryError);
    expect((error as FatalDirectoryError).cause).toMatchObject({ name: "AbortError" });
    expect(keycloak.requests).toEqual([]);
  });

  it("gives up a request in flight as soon as the signal aborts", async () => {
    open({ requestTimeoutMs: 10_000 });
    keycloak.addFault({ endpoint: "users", fault: keycloakFaults.hang() });
    const controller = new AbortController();
    const lookup = directory.lookup("alice@example.org", controller.signal).catch((thrown: unknown) => thrown);
    await expect.poll(() => requests("users").length).toBe(1);
    controller.abort();
    const error = await lookup;
    expect((error as FatalDirectoryError).cause).toMatchObject({ name: "AbortError" });
  });
});

describe("createKeycloakDirectory", () => {
  const create = (options: Partial<KeycloakDirectoryOptions> = {}) =>
    createKeycloakDirectory({ baseUrl: keycloak.baseUrl, realm: "flip", clientId: CLIENT.clientId, clientSecret: SECRET, ...options });

  it("opens a directory with Keycloak's profile, which closes its connections", async () => {
    const made = create();
    expect(made.profile).toBe(KEYCLOAK_PROFILE);
    keycloak.setUsers([alice()]);
    await expect(made.lookup("alice@example.org")).resolves.toEqual({ status: "resolved", sub: ALICE });
    made.close();
  });

  it("uses the seed's default timeouts, 3 s to connect and 5 s a request, from one place", () => {
    const timeouts = (create() as unknown as { http: { timeouts: unknown } }).http.timeouts;
    expect(timeouts).toEqual({ connectTimeoutMs: 3_000, requestTimeoutMs: 5_000 });
    expect(KEYCLOAK_DEFAULTS).toEqual(timeouts);
  });

  it("takes timeouts of its own", () => {
    expect(
      (create({ connectTimeoutMs: 1_234, requestTimeoutMs: 5_678 }) as unknown as { http: { timeouts: unknown } }).http.timeouts,
    ).toEqual({
      connectTimeoutMs: 1_234,
      requestTimeoutMs: 5_678,
    });
  });

  it.each<[string, Partial<KeycloakDirectoryOptions>, string]>([
    ["a base URL that is no URL", { baseUrl: "sso.example.org" }, "Keycloak: the base URL must be an http:// or https:// URL"],
    ["a base URL of another scheme", { baseUrl: "ftp://sso.example.org" }, "Keycloak: the base URL must be an http:// or https:// URL"],
    [
      "a base URL with credentials in it",
      { baseUrl: `https://admin:${SECRET}@sso.example.org` },
      "Keycloak: the base URL must not carry credentials, a query or a fragment",
    ],
    [
      "a base URL with a query",
      { baseUrl: "https://sso.example.org/?realm=flip" },
      "Keycloak: the base URL must not carry credentials, a query or a fragment",
    ],
    ["an empty realm", { realm: " " }, "Keycloak: the realm must not be empty"],
    ["an empty client id", { clientId: "" }, "Keycloak: the client id must not be empty"],
    ["an empty client secret", { clientSecret: "" }, "Keycloak: the client secret must not be empty"],
    ["a zero connect timeout", { connectTimeoutMs: 0 }, "Keycloak: the connect timeout must be a positive number of milliseconds"],
    [
      "a request timeout that is not a number",
      { requestTimeoutMs: Number.NaN },
      "Keycloak: the request timeout must be a positive number of milliseconds",
    ],
  ])("refuses %s before any request, in one line", (_, options, line) => {
    let thrown: unknown;
    try {
      create(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FatalDirectoryError);
    expect((thrown as FatalDirectoryError).problems).toEqual([line]);
    expect(keycloak.requests).toEqual([]);
  });
});
