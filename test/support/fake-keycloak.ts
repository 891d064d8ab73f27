/**
 * A fake Keycloak for tests: an HTTP server on 127.0.0.1 (a port of the
 * kernel's choosing) that answers the three endpoints flip-db uses as
 * Keycloak 26 (the Quarkus distribution, 26.0 to 26.7; the paths have had no
 * `/auth` prefix since Keycloak 17) answers them:
 *
 * - `POST /realms/{realm}/protocol/openid-connect/token`, grant
 *   `client_credentials` with the client's id and secret in the form or in
 *   HTTP Basic: `{access_token, expires_in, refresh_expires_in: 0,
 *   token_type: "Bearer", "not-before-policy": 0, scope}`; refusals as
 *   ClientIdAndSecretAuthenticator and ClientCredentialsGrantType send them
 *   (`invalid_client` for an unknown client, `unauthorized_client` for a
 *   wrong secret or a client without service accounts, all HTTP 401, with
 *   "Invalid client or Invalid client credentials"); an unknown realm is 404
 *   `{"error":"Realm does not exist"}`.
 * - `GET /admin/realms/{realm}/users`: `UserRepresentation`s ordered by
 *   username, `first` (default none) and `max` (default 100, a negative one
 *   is no limit), `briefRepresentation`, and `email` matched as Keycloak's
 *   JPA store does: stored emails are lower-cased (UserAdapter.setEmail),
 *   and the searched one is lower-cased too, then compared whole with
 *   `exact=true` or as a substring without it (JpaUserUtils).
 * - `GET /admin/realms/{realm}/users/count`: the number of users, a bare
 *   JSON integer.
 * - `GET /realms/{realm}`: the realm's public description
 *   (PublishedRealmRepresentation), no token needed; what the doctor asks first.
 * - `GET /admin/realms/{realm}/users/{id}`: one user, full representation,
 *   only with view-users (UserPermissions.requireView: 403 with query-users
 *   alone), 404 `{"error":"User not found"}`; a client's service account is a
 *   user too (`service-account-<clientId>`), left out of searches and counts.
 *
 * Access tokens are JWTs as Keycloak's are (header, claims, a signature no one
 * checks here): `sub` is the service account's user id, `azp` the client.
 *
 * The Admin API's refusals are KeycloakErrorHandler's JSON: 401
 * `{"error":"HTTP 401 Unauthorized"}` (no, expired or revoked token), 403
 * `{"error":"unknown_error"}` (a service account without view-users), 404
 * `{"error":"Realm not found."}`; any other path is 404 `{"error":"Unable to
 * find matching target resource method", ...}` (RESTEasy Reactive). A
 * service account with query-users but not view-users gets what Keycloak
 * gives it: 200 and no users (it may search, but may see no one).
 *
 * Faults are injected per request as fault-proxy.ts does for Cognito: a
 * status with any body, a reset connection, silence. Every request is
 * recorded (never the client secret), so tests can assert what was asked, or
 * that nothing was.
 */
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import { buffer } from "node:stream/consumers";

import { startLoopbackServer } from "./loopback-server.js";

/** Keycloak's own default `max` for the users endpoint (Constants.DEFAULT_MAX_RESULTS). */
const KEYCLOAK_DEFAULT_MAX = 100;

export interface FakeUser {
  /** Keycloak generates a UUID when a user is created without one. */
  id?: string;
  username: string;
  email?: string;
  /** Default true. */
  emailVerified?: boolean;
  /** Default true. */
  enabled?: boolean;
  firstName?: string;
  lastName?: string;
}

export interface FakeClient {
  clientId: string;
  secret: string;
  /** The client's "Service accounts roles" switch (default on). */
  serviceAccountsEnabled?: boolean;
  /** The realm-management roles of its service account (default view-users). */
  roles?: ReadonlyArray<"view-users" | "query-users">;
}

export interface FakeKeycloakOptions {
  /** Default "flip". */
  realm?: string;
  clients?: readonly FakeClient[];
  users?: readonly FakeUser[];
  /** The realm's Access Token Lifespan (default 300 s, Keycloak's default). */
  tokenLifespanSeconds?: number;
}

type KeycloakEndpoint = "token" | "users" | "count" | "realm" | "user";

export type KeycloakFault =
  | { kind: "status"; status: number; body?: string; contentType?: string }
  /** A TCP reset without any answer: a crashed proxy, a dropped NAT entry. */
  | { kind: "reset" }
  /** The request is accepted and never answered (until close()). */
  | { kind: "hang" };

export interface KeycloakFaultRule {
  endpoint: KeycloakEndpoint | "any";
  fault: KeycloakFault;
  /** Apply to at most this many matching requests, then answer normally. Default: every one. */
  times?: number;
}

interface ReceivedRequest {
  method: string;
  endpoint: KeycloakEndpoint | "other";
  path: string;
  /** The query string's parameters. */
  query: Record<string, string>;
  /** For the token endpoint: the grant and client asked for (the secret is not kept). */
  grantType?: string;
  clientId?: string;
  /** For the Admin API: the bearer token sent. */
  bearer?: string;
  /** "answered" with the status, or the fault applied ("fault:503", "fault:reset", "fault:hang"). */
  outcome: string;
}

/** Faults as Keycloak, or what stands in front of it, sends them. */
export const keycloakFaults = {
  status: (status: number, body = "", contentType = "text/plain; charset=utf-8"): KeycloakFault => ({
    kind: "status",
    status,
    body,
    contentType,
  }),
  /** Keycloak's own 500: KeycloakErrorHandler's JSON for an uncaught server error. */
  serverError: (status = 500): KeycloakFault =>
    json(status, { error: "unknown_error", error_description: "For more on this error consult the server log." }),
  /** A reverse proxy whose upstream Keycloak is down. */
  proxyDown: (status = 503): KeycloakFault => html(status, `<html><body><h1>${status} Service Unavailable</h1></body></html>`),
  tooManyRequests: (): KeycloakFault => html(429, "<html><body><h1>429 Too Many Requests</h1></body></html>"),
  unauthorized: (): KeycloakFault => json(401, { error: "HTTP 401 Unauthorized" }),
  forbidden: (): KeycloakFault => json(403, { error: "unknown_error" }),
  realmNotFound: (): KeycloakFault => json(404, { error: "Realm not found." }),
  invalidJson: (): KeycloakFault => ({ kind: "status", status: 200, body: '[{"id": "0b6c1f0e-', contentType: "application/json" }),
  /** A proxy's login or error page, answered with 200. */
  htmlPage: (): KeycloakFault => html(200, "<!doctype html><html><body>Please sign in</body></html>"),
  reset: (): KeycloakFault => ({ kind: "reset" }),
  hang: (): KeycloakFault => ({ kind: "hang" }),
};

/** The token endpoint down behind its proxy: every token request answered 503. */
export const tokenEndpointDown: KeycloakFaultRule = { endpoint: "token", fault: keycloakFaults.proxyDown(503) };

function json(status: number, value: unknown): KeycloakFault {
  return { kind: "status", status, body: JSON.stringify(value), contentType: "application/json" };
}

function html(status: number, body: string): KeycloakFault {
  return { kind: "status", status, body, contentType: "text/html; charset=utf-8" };
}

export interface FakeKeycloak {
  /** http://127.0.0.1:<port>: KEYCLOAK_URL. */
  baseUrl: string;
  realm: string;
  /** Every request received, in order. */
  readonly requests: readonly ReceivedRequest[];
  /** Replaces the realm's users (emails and usernames stored lower-cased, as Keycloak stores them). */
  setUsers(users: readonly FakeUser[]): void;
  /** The users as stored, in Keycloak's order. */
  readonly users: readonly StoredUser[];
  /** Adds a rule; the first matching rule (in insertion order) with uses left wins. */
  addFault(rule: KeycloakFaultRule): void;
  clearFaults(): void;
  /** Forgets recorded requests. */
  resetRequests(): void;
  /** The user id of `clientId`'s service account (the `sub` of its tokens). */
  serviceAccountId(clientId: string): string;
  /** Refuses every token issued so far, as a restarted Keycloak with new keys would. */
  revokeTokens(): void;
  /** Connections open to the fake now (kept-alive ones included). */
  readonly openConnections: number;
  /** Closes the listener and destroys every open socket, hung ones included. */
  close(): Promise<void>;
}

export interface StoredUser {
  id: string;
  username: string;
  email: string | undefined;
  emailVerified: boolean;
  enabled: boolean;
  firstName: string | undefined;
  lastName: string | undefined;
  createdTimestamp: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Pure parts: what Keycloak stores, lists and answers.

/** A user as Keycloak stores it: username and email lower-cased (KeycloakModelUtils.toLowerCaseSafe). */
export function storeUser(user: FakeUser, createdTimestamp = Date.now()): StoredUser {
  return {
    id: user.id ?? randomUUID(),
    username: user.username.toLowerCase(),
    email: user.email === undefined || user.email.trim() === "" ? undefined : user.email.toLowerCase(),
    emailVerified: user.emailVerified ?? true,
    enabled: user.enabled ?? true,
    firstName: user.firstName,
    lastName: user.lastName,
    createdTimestamp,
  };
}

/** The users a search answers, in Keycloak's order, before paging. */
export function searchUsers(users: readonly StoredUser[], query: URLSearchParams): StoredUser[] {
  const email = query.get("email");
  const exact = query.get("exact") === "true";
  const wanted = email?.toLowerCase();
  const matching = users.filter((user) => {
    if (wanted === undefined || wanted === null) return true;
    if (user.email === undefined) return false;
    return exact ? user.email === wanted : user.email.includes(wanted);
  });
  return [...matching].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}

/** `first`/`max` as Keycloak applies them: a missing or negative `first` is 0, a missing `max` is 100, a negative one no limit. */
export function page<T>(items: readonly T[], query: URLSearchParams): T[] {
  const first = Math.max(0, Number(query.get("first") ?? -1));
  const max = Number(query.get("max") ?? KEYCLOAK_DEFAULT_MAX);
  return items.slice(first, max < 0 ? undefined : first + max);
}

/** A UserRepresentation: brief (ModelToRepresentation.toBriefRepresentation) or full; absent values are left out, as Keycloak's JSON does. */
export function representation(user: StoredUser, brief: boolean): Record<string, unknown> {
  const rep: Record<string, unknown> = {
    id: user.id,
    username: user.username,
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    emailVerified: user.emailVerified,
    createdTimestamp: user.createdTimestamp,
    enabled: user.enabled,
  };
  if (!brief) {
    Object.assign(rep, { totp: false, disableableCredentialTypes: [], requiredActions: [], notBefore: 0 });
  }
  return Object.fromEntries(Object.entries(rep).filter(([, value]) => value !== undefined));
}

/** The client id and secret a token request carries: in HTTP Basic, else in the form (ClientIdAndSecretAuthenticator). */
export function clientCredentials(authorization: string | undefined, form: URLSearchParams): { clientId?: string; secret?: string } {
  let clientId = form.get("client_id") ?? undefined;
  let secret = form.get("client_secret") ?? undefined;
  const basic = /^Basic\s+(.+)$/i.exec(authorization ?? "");
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      clientId ??= decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
      secret ??= decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " "));
    }
  }
  return { clientId, secret };
}

interface TokenRequest {
  grantType?: string;
  clientId?: string;
  secret?: string;
}

function readTokenRequest(body: string, authorization: string | undefined): TokenRequest {
  const form = new URLSearchParams(body);
  return { grantType: form.get("grant_type") ?? undefined, ...clientCredentials(authorization, form) };
}

/** What a request carries that Keycloak reads: the token request's form, or the Admin API's bearer token. */
interface Request {
  token: TokenRequest | undefined;
  bearer: string | undefined;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const oauthError = (status: number, error: string, description: string): Answer => ({
  status,
  body: { error, error_description: description },
});
const INVALID_CLIENT_CREDENTIALS = "Invalid client or Invalid client credentials";
const REALM_DOES_NOT_EXIST: Answer = { status: 404, body: { error: "Realm does not exist" } };
const UNMATCHED: Answer = {
  status: 404,
  body: {
    error: "Unable to find matching target resource method",
    error_description: "For more on this error consult the server log at the debug level.",
  },
};

// ---------------------------------------------------------------------------------------------------------------
// I/O.

export async function startFakeKeycloak(options: FakeKeycloakOptions = {}): Promise<FakeKeycloak> {
  const realm = options.realm ?? "flip";
  const clients = new Map((options.clients ?? []).map((client) => [client.clientId, client]));
  const lifespanSeconds = options.tokenLifespanSeconds ?? 300;
  let users = (options.users ?? []).map((user) => storeUser(user));
  let rules: Array<{ endpoint: KeycloakFaultRule["endpoint"]; fault: KeycloakFault; remaining: number }> = [];
  let requests: ReceivedRequest[] = [];
  /** Issued tokens: their client and when they expire. */
  const tokens = new Map<string, { clientId: string; expiresAt: number }>();
  /** Each client's service account, a user of the realm that searches leave out. */
  const serviceAccounts = new Map(
    [...clients.keys()].map((clientId) => [clientId, storeUser({ username: `service-account-${clientId}`, emailVerified: false })]),
  );

  /** A JWT as Keycloak issues one; only its claims matter here. */
  function jwt(clientId: string, lifespan: number): string {
    const now = Math.floor(Date.now() / 1_000);
    const claims = {
      exp: now + lifespan,
      iat: now,
      jti: randomUUID(),
      iss: `${baseUrl}/realms/${realm}`,
      sub: serviceAccounts.get(clientId)?.id,
      typ: "Bearer",
      azp: clientId,
      scope: "profile email",
    };
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    return `${part({ alg: "RS256", typ: "JWT", kid: "fake" })}.${part(claims)}.${randomBytes(32).toString("base64url")}`;
  }

  function issueToken(request: TokenRequest): Answer {
    const { grantType, clientId, secret } = request;
    if (grantType === undefined) return oauthError(400, "invalid_request", "Missing form parameter: grant_type");
    if (clientId === undefined) return oauthError(400, "invalid_client", "Missing client_id parameter");
    const client = clients.get(clientId);
    if (!client) return oauthError(401, "invalid_client", INVALID_CLIENT_CREDENTIALS);
    if (secret !== client.secret) return oauthError(401, "unauthorized_client", INVALID_CLIENT_CREDENTIALS);
    if (grantType !== "client_credentials") return oauthError(400, "unsupported_grant_type", "Unsupported grant_type");
    if (client.serviceAccountsEnabled === false) {
      return oauthError(401, "unauthorized_client", "Client not enabled to retrieve service account");
    }
    const token = jwt(clientId, lifespanSeconds);
    tokens.set(token, { clientId, expiresAt: Date.now() + lifespanSeconds * 1_000 });
    return {
      status: 200,
      headers: { "cache-control": "no-store", pragma: "no-cache" },
      body: {
        access_token: token,
        expires_in: lifespanSeconds,
        refresh_expires_in: 0,
        token_type: "Bearer",
        "not-before-policy": 0,
        scope: "profile email",
      },
    };
  }

  /** The Admin API's answer, after AdminRoot's token check and RealmsAdminResource's realm lookup. */
  function answerAdmin(
    endpoint: KeycloakEndpoint,
    pathRealm: string,
    query: URLSearchParams,
    bearer: string | undefined,
    userId: string | undefined,
  ): Answer {
    const issued = bearer === undefined ? undefined : tokens.get(bearer);
    if (!issued || issued.expiresAt <= Date.now()) {
      return { status: 401, body: { error: "HTTP 401 Unauthorized" }, headers: { "www-authenticate": "Bearer" } };
    }
    if (pathRealm !== realm) return { status: 404, body: { error: "Realm not found." } };
    const roles = clients.get(issued.clientId)?.roles ?? ["view-users"];
    const mayView = roles.includes("view-users");
    if (!mayView && !roles.includes("query-users")) return { status: 403, body: { error: "unknown_error" } };
    if (endpoint === "count") return { status: 200, body: mayView ? users.length : 0 };
    if (endpoint === "user") {
      if (!mayView) return { status: 403, body: { error: "unknown_error" } };
      const found = [...users, ...serviceAccounts.values()].find((user) => user.id === userId);
      return found ? { status: 200, body: representation(found, false) } : { status: 404, body: { error: "User not found" } };
    }
    const listed = mayView ? page(searchUsers(users, query), query) : [];
    return { status: 200, body: listed.map((user) => representation(user, query.get("briefRepresentation") === "true")) };
  }

  /** Which endpoint a path is, and the realm it names. */
  function route(method: string, path: string): { endpoint: KeycloakEndpoint | "other"; pathRealm?: string; userId?: string } {
    // RESTEasy matches a path with or without a trailing slash (the official admin client sends `/users/`).
    const token = /^\/realms\/([^/]+)\/protocol\/openid-connect\/token\/?$/.exec(path);
    if (token && method === "POST") return { endpoint: "token", pathRealm: decodeURIComponent(token[1]!) };
    const admin = /^\/admin\/realms\/([^/]+)\/users(\/count)?\/?$/.exec(path);
    if (admin && method === "GET") return { endpoint: admin[2] ? "count" : "users", pathRealm: decodeURIComponent(admin[1]!) };
    const user = /^\/admin\/realms\/([^/]+)\/users\/([^/]+)\/?$/.exec(path);
    if (user && method === "GET")
      return { endpoint: "user", pathRealm: decodeURIComponent(user[1]!), userId: decodeURIComponent(user[2]!) };
    const published = /^\/realms\/([^/]+)\/?$/.exec(path);
    if (published && method === "GET") return { endpoint: "realm", pathRealm: decodeURIComponent(published[1]!) };
    return { endpoint: "other" };
  }

  function answer(res: http.ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      ...headers,
      ...(body === "" ? {} : { "content-type": contentType }),
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  }

  /** What Keycloak answers a request that no fault intercepts. */
  function reply(endpoint: KeycloakEndpoint | "other", pathRealm: string | undefined, url: URL, request: Request, userId?: string): Answer {
    if (endpoint === "other") return UNMATCHED;
    if (endpoint === "realm") return pathRealm === realm ? { status: 200, body: publishedRealm() } : REALM_DOES_NOT_EXIST;
    if (endpoint === "token") {
      return pathRealm === realm ? issueToken(request.token ?? {}) : REALM_DOES_NOT_EXIST;
    }
    return answerAdmin(endpoint, pathRealm!, url.searchParams, request.bearer, userId);
  }

  function applyFault(req: http.IncomingMessage, res: http.ServerResponse, fault: KeycloakFault): void {
    if (fault.kind === "status") answer(res, fault.status, fault.body ?? "", fault.contentType ?? "text/plain; charset=utf-8");
    // A TCP reset rather than a clean FIN: what a crashed proxy looks like.
    else if (fault.kind === "reset") req.socket.resetAndDestroy();
    // A hang: nothing to do, the socket stays open until the client gives up or close() destroys it.
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = (await buffer(req)).toString("utf8");
    const url = new URL(req.url ?? "/", "http://fake-keycloak");
    const method = req.method ?? "GET";
    const { endpoint, pathRealm, userId } = route(method, url.pathname);
    const request: Request = {
      token: endpoint === "token" ? readTokenRequest(body, req.headers.authorization) : undefined,
      bearer: /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1],
    };
    const record: ReceivedRequest = { method, endpoint, path: url.pathname, query: Object.fromEntries(url.searchParams), outcome: "" };
    if (request.token) Object.assign(record, { grantType: request.token.grantType, clientId: request.token.clientId });
    if (endpoint === "users" || endpoint === "count" || endpoint === "user") record.bearer = request.bearer;
    requests.push(record);

    const rule = rules.find((candidate) => candidate.remaining > 0 && (candidate.endpoint === "any" || candidate.endpoint === endpoint));
    if (rule) {
      rule.remaining -= 1;
      record.outcome = `fault:${rule.fault.kind === "status" ? rule.fault.status : rule.fault.kind}`;
      applyFault(req, res, rule.fault);
      return;
    }
    const answered = reply(endpoint, pathRealm, url, request, userId);
    record.outcome = `answered:${answered.status}`;
    answer(res, answered.status, JSON.stringify(answered.body), "application/json", answered.headers);
  }

  /** PublishedRealmRepresentation: the realm's name, its key, and where its token service is. */
  function publishedRealm(): Record<string, unknown> {
    return {
      realm,
      public_key: randomBytes(32).toString("base64"),
      "token-service": `${baseUrl}/realms/${realm}/protocol/openid-connect`,
      "account-service": `${baseUrl}/realms/${realm}/account`,
      "tokens-not-before": 0,
    };
  }

  const server = await startLoopbackServer(handle);
  const baseUrl = `http://127.0.0.1:${server.port}`;

  return {
    baseUrl,
    realm,
    get requests() {
      return [...requests];
    },
    get users() {
      return searchUsers(users, new URLSearchParams());
    },
    setUsers(next) {
      users = next.map((user) => storeUser(user));
    },
    addFault(rule) {
      rules.push({ endpoint: rule.endpoint, fault: rule.fault, remaining: rule.times ?? Infinity });
    },
    clearFaults() {
      rules = [];
    },
    resetRequests() {
      requests = [];
    },
    serviceAccountId(clientId) {
      const account = serviceAccounts.get(clientId);
      if (!account) throw new Error(`the fake Keycloak has no client ${clientId}`);
      return account.id;
    },
    revokeTokens() {
      tokens.clear();
    },
    get openConnections() {
      return server.openConnections;
    },
    close: () => server.close(),
  };
}
