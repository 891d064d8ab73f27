/**
 * Every row of the Keycloak taxonomy, through the wire: the fake Keycloak
 * (or a closed port, a silent server, a TLS mismatch) fails a request, and
 * the directory says transient (skip the user) or fatal (stop, one line
 * saying what to fix). And the client secret appears in none of it.
 */
import { inspect } from "node:util";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { FatalDirectoryError } from "../../../src/directory/FatalDirectoryError.js";
import {
  createKeycloakDirectory,
  type KeycloakDirectory,
  type KeycloakDirectoryOptions,
} from "../../../src/directory/keycloak-directory.js";
import { TransientDirectoryError } from "../../../src/directory/TransientDirectoryError.js";
import { exitCodeFor } from "../../../src/shared/cli/exit-codes.js";
import {
  keycloakFaults,
  startFakeKeycloak,
  tokenEndpointDown,
  type FakeClient,
  type FakeKeycloak,
  type KeycloakFaultRule,
} from "../../support/fake-keycloak.js";
import { startSilentServer } from "../../support/tcp-proxy.js";

const SECRET = "sentinel-secret-5b1e8a2f";
const CLIENT: FakeClient = { clientId: "flip-db-seed", secret: SECRET };
const ALICE = "0b6c1f0e-6a0e-4d56-9d0a-2f4b8a9f3c11";
/** Short enough to keep these tests fast, long enough for loopback on a busy machine. */
const TIMEOUTS = { connectTimeoutMs: 300, requestTimeoutMs: 400 };

let keycloak: FakeKeycloak;
const opened: KeycloakDirectory[] = [];

function open(options: Partial<KeycloakDirectoryOptions> = {}): KeycloakDirectory {
  const directory = createKeycloakDirectory({
    baseUrl: keycloak.baseUrl,
    realm: "flip",
    clientId: CLIENT.clientId,
    clientSecret: SECRET,
    ...TIMEOUTS,
    ...options,
  });
  opened.push(directory);
  return directory;
}

/** What `call` was rejected with (undefined if it was not). */
function failureOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
}

async function startWith(clients: FakeClient[] = [CLIENT]): Promise<void> {
  await keycloak.close();
  keycloak = await startFakeKeycloak({ clients, users: [{ id: ALICE, username: "alice", email: "alice@example.org" }] });
}

beforeEach(async () => {
  keycloak = await startFakeKeycloak({ clients: [CLIENT], users: [{ id: ALICE, username: "alice", email: "alice@example.org" }] });
});

afterEach(async () => {
  for (const directory of opened.splice(0)) directory.close();
  await keycloak.close();
});

describe("transient: the user is skipped, the boot goes on", () => {
  it.each<[string, KeycloakFaultRule, RegExp, boolean]>([
    [
      "the token endpoint down behind its proxy (503)",
      tokenEndpointDown,
      /^Keycloak unavailable \(token endpoint, HTTP 503: html\)$/,
      false,
    ],
    [
      "the token endpoint's own 500",
      { endpoint: "token", fault: keycloakFaults.serverError(500) },
      /token endpoint, HTTP 500: unknown_error/,
      false,
    ],
    [
      "a 502 from the users endpoint's proxy",
      { endpoint: "users", fault: keycloakFaults.proxyDown(502) },
      /users endpoint, HTTP 502/,
      false,
    ],
    [
      "Keycloak's 500 on the users endpoint",
      { endpoint: "users", fault: keycloakFaults.serverError(500) },
      /users endpoint, HTTP 500/,
      false,
    ],
    [
      "429 from the token endpoint",
      { endpoint: "token", fault: keycloakFaults.tooManyRequests() },
      /^throttled.*token endpoint, HTTP 429/,
      true,
    ],
    [
      "429 from the users endpoint",
      { endpoint: "users", fault: keycloakFaults.tooManyRequests() },
      /^throttled.*users endpoint, HTTP 429/,
      true,
    ],
    [
      "the users endpoint resetting every connection",
      { endpoint: "users", fault: keycloakFaults.reset() },
      /^Keycloak unreachable \(ECONNRESET\)$/,
      false,
    ],
    [
      "the token endpoint resetting every connection",
      { endpoint: "token", fault: keycloakFaults.reset() },
      /^Keycloak unreachable \(ECONNRESET\)$/,
      false,
    ],
    ["a hung users endpoint", { endpoint: "users", fault: keycloakFaults.hang() }, /^Keycloak did not answer within 400 ms$/, false],
    ["a hung token endpoint", { endpoint: "token", fault: keycloakFaults.hang() }, /^Keycloak did not answer within 400 ms$/, false],
  ])("%s", async (_, rule, reason, throttled) => {
    keycloak.addFault(rule);
    const error = await failureOf(open().lookup("alice@example.org"));
    expect(error).toBeInstanceOf(TransientDirectoryError);
    expect(error).toMatchObject({ reason: expect.stringMatching(reason), throttled });
  });

  it("the users/count endpoint unavailable: describe says so, the strategy does without", async () => {
    keycloak.addFault({ endpoint: "count", fault: keycloakFaults.proxyDown(503) });
    const error = await failureOf(open().describe());
    expect(error).toBeInstanceOf(TransientDirectoryError);
    expect((error as TransientDirectoryError).reason).toBe("Keycloak unavailable (users/count endpoint, HTTP 503: html)");
  });

  it("a listing page unavailable", async () => {
    keycloak.addFault({ endpoint: "users", fault: keycloakFaults.serverError(503) });
    await expect(failureOf(open().listPage(undefined))).resolves.toBeInstanceOf(TransientDirectoryError);
  });

  it("one reset of a kept-alive connection is asked again on a new one, not a skip", async () => {
    const directory = open();
    await directory.lookup("alice@example.org");
    keycloak.addFault({ endpoint: "users", fault: keycloakFaults.reset(), times: 1 });
    await expect(directory.lookup("alice@example.org")).resolves.toEqual({ status: "resolved", sub: ALICE });
    expect(keycloak.requests.map((request) => request.outcome)).toEqual(["answered:200", "answered:200", "fault:reset", "answered:200"]);
  });

  it("Keycloak not listening at all (connection refused)", async () => {
    const { baseUrl } = keycloak;
    await keycloak.close();
    const error = await failureOf(open({ baseUrl }).lookup("alice@example.org"));
    expect(error).toBeInstanceOf(TransientDirectoryError);
    expect((error as TransientDirectoryError).reason).toBe("Keycloak unreachable (ECONNREFUSED)");
  });

  it("an address that takes the connection but never completes TLS: the connect timeout", async () => {
    const silent = await startSilentServer();
    try {
      const error = await failureOf(
        open({ baseUrl: `https://127.0.0.1:${silent.port}`, requestTimeoutMs: 5_000 }).lookup("alice@example.org"),
      );
      expect(error).toBeInstanceOf(TransientDirectoryError);
      expect((error as TransientDirectoryError).reason).toBe("Keycloak did not accept a connection within 300 ms");
    } finally {
      await silent.close();
    }
  });
});

describe("fatal: the boot stops before anything is written, one line saying what to fix", () => {
  /** The one line a fatal failure gives, after checking it is one and exits 1. */
  async function fatalLine(call: Promise<unknown>): Promise<string> {
    const error = await failureOf(call);
    expect(error).toBeInstanceOf(FatalDirectoryError);
    expect(exitCodeFor(error as FatalDirectoryError)).toBe(1);
    const { problems } = error as FatalDirectoryError;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Keycloak: /);
    return problems[0]!;
  }

  it("a wrong client secret: check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET, and no user is asked for", async () => {
    const line = await fatalLine(open({ clientSecret: "not-the-secret" }).lookup("alice@example.org"));
    expect(line).toBe(
      "Keycloak: Keycloak refused the client (token endpoint, HTTP 401: unauthorized_client: Invalid client or Invalid client credentials): " +
        "check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET, and that the client has client authentication and service accounts enabled",
    );
    expect(keycloak.requests.map((request) => request.endpoint)).toEqual(["token"]);
  });

  it("an unknown client: invalid_client", async () => {
    const line = await fatalLine(open({ clientId: "no-such-client" }).lookup("alice@example.org"));
    expect(line).toMatch(
      /refused the client \(token endpoint, HTTP 401: invalid_client: .*check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET/,
    );
  });

  it("a client without service accounts", async () => {
    await startWith([{ ...CLIENT, serviceAccountsEnabled: false }]);
    const line = await fatalLine(open().lookup("alice@example.org"));
    expect(line).toMatch(
      /unauthorized_client: Client not enabled to retrieve service account\): check KEYCLOAK_CLIENT_ID.*service accounts enabled$/,
    );
  });

  it("a realm that does not exist, at the token endpoint: check KEYCLOAK_REALM", async () => {
    const line = await fatalLine(open({ realm: "fl1p" }).lookup("alice@example.org"));
    expect(line).toBe("Keycloak: the realm does not exist (token endpoint, HTTP 404: Realm does not exist): check KEYCLOAK_REALM");
  });

  it("a realm that does not exist, at the Admin API", async () => {
    keycloak.addFault({ endpoint: "users", fault: keycloakFaults.realmNotFound() });
    const line = await fatalLine(open().lookup("alice@example.org"));
    expect(line).toBe("Keycloak: the realm does not exist (users endpoint, HTTP 404: Realm not found.): check KEYCLOAK_REALM");
  });

  it("a service account without view-users (403): give it the role", async () => {
    await startWith([{ ...CLIENT, roles: [] }]);
    const line = await fatalLine(open().lookup("alice@example.org"));
    expect(line).toBe(
      "Keycloak: the client's service account may not list users (users endpoint, HTTP 403: unknown_error): " +
        "give it the realm-management role view-users (Clients, KEYCLOAK_CLIENT_ID, Service accounts roles)",
    );
  });

  it("a service account without view-users, on the count", async () => {
    await startWith([{ ...CLIENT, roles: [] }]);
    await expect(fatalLine(open().describe())).resolves.toMatch(/users\/count endpoint, HTTP 403.*view-users/);
  });

  it("a base URL with /auth on Keycloak 17 and later: no such endpoint, check KEYCLOAK_URL", async () => {
    const line = await fatalLine(open({ baseUrl: `${keycloak.baseUrl}/auth` }).lookup("alice@example.org"));
    expect(line).toMatch(
      /^Keycloak: there is no Keycloak token endpoint at that address .*Unable to find matching target resource method.*check KEYCLOAK_URL/,
    );
    expect(keycloak.requests.map((request) => request.path)).toEqual(["/auth/realms/flip/protocol/openid-connect/token"]);
  });

  it("a redirect (Keycloak behind https, asked over http)", async () => {
    keycloak.addFault({ endpoint: "token", fault: { kind: "status", status: 301, body: "", contentType: "text/html" } });
    const line = await fatalLine(open().lookup("alice@example.org"));
    expect(line).toMatch(/answered with a redirect \(token endpoint, HTTP 301\): set KEYCLOAK_URL/);
  });

  it.each<[string, KeycloakFaultRule, RegExp]>([
    [
      "invalid JSON from the users endpoint",
      { endpoint: "users", fault: keycloakFaults.invalidJson() },
      /users endpoint answered with text that is not JSON/,
    ],
    [
      "a proxy's HTML page with 200",
      { endpoint: "users", fault: keycloakFaults.htmlPage() },
      /users endpoint answered with HTML, not the documented JSON/,
    ],
    [
      "users of the wrong shape",
      {
        endpoint: "users",
        fault: keycloakFaults.status(200, JSON.stringify([{ id: ALICE, email: "alice@example.org" }]), "application/json"),
      },
      /users endpoint answered with an unexpected shape \(\[0\]\.emailVerified: .*\), not the documented JSON/,
    ],
    [
      "an object where a list was documented",
      { endpoint: "users", fault: keycloakFaults.status(200, JSON.stringify({ users: [] }), "application/json") },
      /users endpoint answered with an unexpected shape/,
    ],
    [
      "a token answer without a token",
      {
        endpoint: "token",
        fault: keycloakFaults.status(200, JSON.stringify({ token_type: "Bearer", expires_in: 300 }), "application/json"),
      },
      /token endpoint answered with an unexpected shape \(access_token: /,
    ],
    ["an empty token answer", { endpoint: "token", fault: keycloakFaults.status(200) }, /token endpoint answered with an empty body/],
  ])("%s: check KEYCLOAK_URL reaches Keycloak itself", async (_, rule, reason) => {
    keycloak.addFault(rule);
    const line = await fatalLine(open().lookup("alice@example.org"));
    expect(line).toMatch(reason);
    expect(line).toMatch(/check that KEYCLOAK_URL reaches Keycloak itself/);
  });

  it("a count that is not a number", async () => {
    keycloak.addFault({ endpoint: "count", fault: keycloakFaults.status(200, '"42"', "application/json") });
    await expect(fatalLine(open().describe())).resolves.toMatch(/users\/count endpoint answered with an unexpected shape/);
  });

  it("https:// to a port that speaks plain HTTP", async () => {
    const line = await fatalLine(open({ baseUrl: keycloak.baseUrl.replace("http:", "https:") }).lookup("alice@example.org"));
    expect(line).toMatch(/does not answer in the protocol its scheme says .*check http:\/\/ or https:\/\/ and the port/);
  });

  it("a service account with query-users but not view-users is not refused: Keycloak lists no one, so every user is not found", async () => {
    await startWith([{ ...CLIENT, roles: ["query-users"] }]);
    await expect(open().lookup("alice@example.org")).resolves.toEqual({ status: "not_found" });
  });
});

describe("the client secret", () => {
  /** Everything a failure could show: its message, its lines, its reason, its cause chain, however it is printed. */
  function everythingShown(error: unknown): string {
    return [inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), String(error)].join("\n");
  }

  it("never appears in an error, a line or a reason, however the request failed", async () => {
    const scenarios: Array<[string, () => Promise<unknown>]> = [
      ["a wrong secret", () => open({ clientSecret: `${SECRET}-old` }).lookup("alice@example.org")],
      ["an unknown client", () => open({ clientId: "nobody" }).lookup("alice@example.org")],
      ["an unknown realm", () => open({ realm: "nowhere" }).lookup("alice@example.org")],
      ["/auth in the URL", () => open({ baseUrl: `${keycloak.baseUrl}/auth` }).lookup("alice@example.org")],
      ...(
        [
          tokenEndpointDown,
          { endpoint: "token", fault: keycloakFaults.reset() },
          { endpoint: "token", fault: keycloakFaults.hang() },
          { endpoint: "token", fault: keycloakFaults.htmlPage() },
          { endpoint: "users", fault: keycloakFaults.unauthorized() },
          { endpoint: "users", fault: keycloakFaults.forbidden() },
          { endpoint: "users", fault: keycloakFaults.realmNotFound() },
          { endpoint: "users", fault: keycloakFaults.tooManyRequests() },
          { endpoint: "users", fault: keycloakFaults.invalidJson() },
          { endpoint: "users", fault: keycloakFaults.reset() },
          { endpoint: "users", fault: keycloakFaults.hang() },
        ] satisfies KeycloakFaultRule[]
      ).map((rule): [string, () => Promise<unknown>] => [
        `${rule.endpoint} ${rule.fault.kind}`,
        () => {
          keycloak.clearFaults();
          keycloak.addFault(rule);
          return open().lookup("alice@example.org");
        },
      ]),
    ];
    for (const [label, scenario] of scenarios) {
      const error = await failureOf(scenario());
      expect(error, label).toBeInstanceOf(Error);
      expect(everythingShown(error), label).not.toContain(SECRET);
      // Nor the email asked for.
      expect(everythingShown(error), label).not.toContain("alice@example.org");
    }
  });

  it("is cleaned out of Keycloak's own words, should anything in front of it echo the request", async () => {
    keycloak.addFault({
      endpoint: "token",
      fault: keycloakFaults.status(
        401,
        JSON.stringify({ error: "invalid_client", error_description: `client_secret=${SECRET} refused for bob@example.org` }),
        "application/json",
      ),
    });
    const error = await failureOf(open().lookup("alice@example.org"));
    expect((error as FatalDirectoryError).problems[0]).toContain("client_secret=[redacted] refused for b***@example.org");
    expect(everythingShown(error)).not.toContain(SECRET);
    expect(everythingShown(error)).not.toContain("bob@example.org");
  });

  it("is not shown when the directory itself is inspected or logged, nor is its admin token", async () => {
    const directory = open();
    await directory.lookup("alice@example.org");
    const bearer = keycloak.requests.find((request) => request.bearer)?.bearer;
    expect(bearer).toBeDefined();
    const text = inspect(directory, { depth: 10, showHidden: true }) + JSON.stringify(directory);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(bearer);
  });
});
