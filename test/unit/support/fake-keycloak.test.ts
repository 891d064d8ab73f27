/**
 * The fake Keycloak answers as Keycloak 26 does, since CI tests the Keycloak
 * directory against nothing else: these pin down the behaviour its doc
 * comment claims, with plain HTTP requests.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  clientCredentials,
  keycloakFaults,
  page,
  representation,
  searchUsers,
  startFakeKeycloak,
  storeUser,
  type FakeKeycloak,
} from "../../support/fake-keycloak.js";

const SECRET = "fake-keycloak-secret";

describe("the fake Keycloak's pure parts", () => {
  const users = ["Carol@Example.org", "alice@example.org", "ALICE@example.org", undefined, "malice@example.org"].map((email, index) =>
    storeUser({ username: ["Carol", "alice", "alice2", "dave", "mallory"][index]!, email }, 0),
  );

  it("stores usernames and emails lower-cased, as UserAdapter does", () => {
    expect(users.map((user) => [user.username, user.email])).toEqual([
      ["carol", "carol@example.org"],
      ["alice", "alice@example.org"],
      ["alice2", "alice@example.org"],
      ["dave", undefined],
      ["mallory", "malice@example.org"],
    ]);
  });

  it("matches an exact email search whatever the case asked for, and a plain one as a substring", () => {
    const found = (query: string) => searchUsers(users, new URLSearchParams(query)).map((user) => user.username);
    expect(found("email=Alice@EXAMPLE.org&exact=true")).toEqual(["alice", "alice2"]);
    expect(found("email=alice@example.org")).toEqual(["alice", "alice2", "mallory"]);
    expect(found("")).toEqual(["alice", "alice2", "carol", "dave", "mallory"]);
  });

  it("pages with first and max: max 100 by default, a negative max no limit", () => {
    const items = Array.from({ length: 250 }, (_, index) => index);
    expect(page(items, new URLSearchParams())).toHaveLength(100);
    expect(page(items, new URLSearchParams("first=200&max=100"))).toEqual(items.slice(200));
    expect(page(items, new URLSearchParams("first=-1&max=2"))).toEqual([0, 1]);
    expect(page(items, new URLSearchParams("max=-1"))).toHaveLength(250);
  });

  it("gives brief and full representations, leaving out what a user does not have", () => {
    const dave = users[3]!;
    expect(representation(dave, true)).toEqual({ id: dave.id, username: "dave", emailVerified: true, createdTimestamp: 0, enabled: true });
    expect(representation(dave, false)).toMatchObject({ totp: false, requiredActions: [], notBefore: 0 });
  });

  it("reads client credentials from HTTP Basic or from the form", () => {
    const basic = `Basic ${Buffer.from("flip-db:s%3Acret").toString("base64")}`;
    expect(clientCredentials(basic, new URLSearchParams())).toEqual({ clientId: "flip-db", secret: "s:cret" });
    expect(clientCredentials(undefined, new URLSearchParams("client_id=flip-db&client_secret=x"))).toEqual({
      clientId: "flip-db",
      secret: "x",
    });
  });
});

describe("the fake Keycloak over HTTP", () => {
  let keycloak: FakeKeycloak;

  beforeEach(async () => {
    keycloak = await startFakeKeycloak({
      clients: [
        { clientId: "seed", secret: SECRET },
        { clientId: "no-role", secret: SECRET, roles: [] },
        { clientId: "no-sa", secret: SECRET, serviceAccountsEnabled: false },
      ],
      users: [{ username: "alice", email: "Alice@Example.org" }],
      tokenLifespanSeconds: 60,
    });
  });

  afterEach(async () => {
    await keycloak.close();
  });

  async function token(clientId = "seed", secret = SECRET, realm = "flip") {
    const response = await fetch(`${keycloak.baseUrl}/realms/${realm}/protocol/openid-connect/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function admin(path: string, bearer?: string) {
    const response = await fetch(`${keycloak.baseUrl}/admin/realms/${path}`, {
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  it("issues a Bearer token by client_credentials with the realm's lifespan, and records no secret", async () => {
    const { status, body } = await token();
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 60, refresh_expires_in: 0, access_token: expect.any(String) });
    expect(keycloak.requests).toEqual([expect.objectContaining({ endpoint: "token", grantType: "client_credentials", clientId: "seed" })]);
    expect(JSON.stringify(keycloak.requests)).not.toContain(SECRET);
  });

  it.each([
    [
      "a wrong secret",
      "seed",
      "wrong",
      "flip",
      401,
      { error: "unauthorized_client", error_description: "Invalid client or Invalid client credentials" },
    ],
    [
      "an unknown client",
      "nobody",
      SECRET,
      "flip",
      401,
      { error: "invalid_client", error_description: "Invalid client or Invalid client credentials" },
    ],
    [
      "service accounts off",
      "no-sa",
      SECRET,
      "flip",
      401,
      { error: "unauthorized_client", error_description: "Client not enabled to retrieve service account" },
    ],
    ["an unknown realm", "seed", SECRET, "nowhere", 404, { error: "Realm does not exist" }],
  ])("refuses %s as Keycloak does", async (_, clientId, secret, realm, status, body) => {
    await expect(token(clientId, secret, realm)).resolves.toEqual({ status, body });
  });

  it("answers the Admin API only with a valid token, and as Keycloak's error handler words it", async () => {
    const missing = await admin("flip/users");
    expect(missing).toMatchObject({ status: 401, body: { error: "HTTP 401 Unauthorized" } });
    expect(missing.headers.get("www-authenticate")).toBe("Bearer");
    const valid = (await token()).body.access_token as string;
    await expect(admin("flip/users?briefRepresentation=true&email=ALICE@example.org&exact=true", valid)).resolves.toMatchObject({
      status: 200,
      body: [{ username: "alice", email: "alice@example.org", emailVerified: true, enabled: true }],
    });
    await expect(admin("flip/users/count", valid)).resolves.toMatchObject({ status: 200, body: 1 });
    // The official admin client asks with a trailing slash; Keycloak does not mind.
    await expect(admin("flip/users/", valid)).resolves.toMatchObject({ status: 200 });
    await expect(admin("elsewhere/users", valid)).resolves.toMatchObject({ status: 404, body: { error: "Realm not found." } });
    await expect(admin("flip/groups", valid)).resolves.toMatchObject({
      status: 404,
      body: { error: "Unable to find matching target resource method" },
    });
    keycloak.revokeTokens();
    await expect(admin("flip/users", valid)).resolves.toMatchObject({ status: 401 });
  });

  it("refuses a service account without view-users with 403", async () => {
    const bearer = (await token("no-role")).body.access_token as string;
    await expect(admin("flip/users", bearer)).resolves.toEqual(expect.objectContaining({ status: 403, body: { error: "unknown_error" } }));
  });

  it("applies a fault the given number of times, then answers normally, recording each", async () => {
    keycloak.addFault({ endpoint: "token", fault: keycloakFaults.proxyDown(503), times: 1 });
    expect((await fetch(`${keycloak.baseUrl}/realms/flip/protocol/openid-connect/token`, { method: "POST", body: "" })).status).toBe(503);
    expect((await token()).status).toBe(200);
    expect(keycloak.requests.map((request) => request.outcome)).toEqual(["fault:503", "answered:200"]);
  });
});
