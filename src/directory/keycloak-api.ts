/**
 * The three Keycloak endpoints the directory uses, as Keycloak 26 documents
 * them: the realm's token endpoint (an admin token by `client_credentials`),
 * and the Admin REST API's user search and user count. Each answer is checked
 * against the documented JSON before anything is read from it; every failure
 * is one of keycloak-failures.ts's errors or a Node network error, and none
 * holds the request (the client secret is in the token request's body).
 */
import { z } from "zod";

import { createScrubber, redactEmail, type Scrub } from "../shared/logging.js";
import type { DirectoryAccount } from "./identity-directory.js";
import { KeycloakAnswerError, KeycloakHttpError, type BodyKind, type HttpFailure, type KeycloakEndpoint } from "./keycloak-failures.js";
import type { HttpAnswer, KeycloakHttp } from "./keycloak-http.js";

/** The token endpoint's answer (RFC 6749 §5.1); Keycloak adds refresh_expires_in, scope and others, unused here. */
const TokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().refine((type) => type.toLowerCase() === "bearer", "expected a Bearer token"),
});

/** The fields of a `UserRepresentation` eligibility reads; Keycloak always sends `enabled` and `emailVerified`, and `email` when it has one. */
const User = z.object({
  id: z.string().min(1),
  email: z.string().optional(),
  emailVerified: z.boolean(),
  enabled: z.boolean(),
});
const Users = z.array(User);
const UserCount = z.number().int().nonnegative();
/** One user's full representation: the doctor reads its username only. */
const OneUser = z.object({ id: z.string().min(1), username: z.string() });
/** The realm's public description (PublishedRealmRepresentation). */
const PublishedRealm = z.object({ realm: z.string(), "token-service": z.string().optional() });

/** Keycloak's error JSON, from its token endpoint (OAuth 2.0) and from its KeycloakErrorHandler alike. */
const KeycloakErrorBody = z.object({ error: z.string(), error_description: z.string().optional() });

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface UserQuery {
  /** Matched exactly: Keycloak compares it lower-cased with the lower-cased emails it stores. */
  email?: string;
  first: number;
  max: number;
}

export interface KeycloakClient {
  baseUrl: URL;
  realm: string;
  clientId: string;
  clientSecret: string;
}

/** Longest piece of Keycloak's own wording a log line carries. */
const MAX_DESCRIPTION = 160;
const EMAIL_LIKE = /[^\s"'<>()[\]{},;:]+@[^\s"'<>()[\]{},;:]+/g;

/** How an answer that is not JSON at all is named in a log line. */
const NOT_JSON = { html: "HTML", text: "text that is not JSON", empty: "an empty body" } as const;

function bodyKind(answer: HttpAnswer): BodyKind {
  const text = answer.body.trim();
  if (text === "") return "empty";
  if (/html/i.test(answer.contentType) || text.startsWith("<")) return "html";
  try {
    return KeycloakErrorBody.safeParse(JSON.parse(text)).success ? "keycloak-error" : "json";
  } catch {
    return "text";
  }
}

/** `[0].enabled: expected boolean, received undefined`: where and what, never a value. */
function shapeProblem(error: z.ZodError): string {
  const [issue] = error.issues;
  if (!issue) return "an unexpected shape";
  const path = issue.path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("");
  return `an unexpected shape (${path === "" ? "" : `${path.replace(/^\./, "")}: `}${issue.message})`;
}

export class KeycloakApi {
  readonly #client: KeycloakClient;
  readonly #scrub: Scrub;

  constructor(
    private readonly http: KeycloakHttp,
    client: KeycloakClient,
  ) {
    this.#client = client;
    this.#scrub = createScrubber([client.clientSecret]);
  }

  /** A new admin token for the client's service account. */
  async requestToken(): Promise<IssuedToken> {
    const { clientId, clientSecret } = this.#client;
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret });
    const answer = await this.http.send({
      method: "POST",
      url: this.url(`realms/${encodeURIComponent(this.#client.realm)}/protocol/openid-connect/token`),
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
    });
    const token = this.parse("token", answer, TokenAnswer);
    return { accessToken: token.access_token, expiresInSeconds: token.expires_in };
  }

  /** One page of the realm's users, in brief representation: every user, or those whose email is exactly `query.email`. */
  async listUsers(token: string, query: UserQuery, signal?: AbortSignal): Promise<DirectoryAccount[]> {
    const search = new URLSearchParams({ briefRepresentation: "true" });
    if (query.email !== undefined) {
      search.set("email", query.email);
      search.set("exact", "true");
    }
    search.set("first", String(query.first));
    search.set("max", String(query.max));
    const answer = await this.admin(token, "users", search, signal);
    return this.parse("users", answer, Users).map((user) => ({
      sub: user.id,
      email: user.email,
      emailVerified: user.emailVerified,
      enabled: user.enabled,
    }));
  }

  /** How many users the realm holds (service accounts aside). */
  async countUsers(token: string, signal?: AbortSignal): Promise<number> {
    return this.parse("count", await this.admin(token, "users/count", undefined, signal), UserCount);
  }

  /** The realm's public description: no token needed, so it tells whether the realm exists before the client is tried. */
  async describeRealm(): Promise<{ realm: string; tokenService: string | undefined }> {
    const answer = await this.http.send({
      method: "GET",
      url: this.url(`realms/${encodeURIComponent(this.#client.realm)}`),
      headers: { accept: "application/json" },
    });
    const realm = this.parse("realm", answer, PublishedRealm);
    return { realm: realm.realm, tokenService: realm["token-service"] };
  }

  /** One user by id, in full: Keycloak shows it only to a caller that may view users. */
  async getUser(token: string, id: string, signal?: AbortSignal): Promise<{ username: string }> {
    const answer = await this.admin(token, `users/${encodeURIComponent(id)}`, undefined, signal);
    return { username: this.parse("user", answer, OneUser).username };
  }

  private admin(token: string, path: string, search?: URLSearchParams, signal?: AbortSignal): Promise<HttpAnswer> {
    return this.http.send({
      method: "GET",
      url: this.url(`admin/realms/${encodeURIComponent(this.#client.realm)}/${path}`, search),
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      signal,
    });
  }

  /** `path` under the base URL, whatever path the base URL has (`https://host/auth/` for Keycloak 16 and older). */
  private url(path: string, search?: URLSearchParams): URL {
    const url = new URL(this.#client.baseUrl);
    url.pathname = `${url.pathname.replace(/\/+$/, "")}/${path}`;
    url.search = search?.toString() ?? "";
    return url;
  }

  /** The answer's JSON, as `schema` says it is; a non-2xx status or anything else is thrown. */
  private parse<T>(endpoint: KeycloakEndpoint, answer: HttpAnswer, schema: z.ZodType<T>): T {
    if (answer.status < 200 || answer.status > 299) throw new KeycloakHttpError(this.failure(endpoint, answer));
    const kind = bodyKind(answer);
    if (kind === "html" || kind === "text" || kind === "empty") throw new KeycloakAnswerError(endpoint, NOT_JSON[kind]);
    const parsed = schema.safeParse(JSON.parse(answer.body));
    if (!parsed.success) throw new KeycloakAnswerError(endpoint, shapeProblem(parsed.error));
    return parsed.data;
  }

  private failure(endpoint: KeycloakEndpoint, answer: HttpAnswer): HttpFailure {
    const kind = bodyKind(answer);
    const failure: HttpFailure = { endpoint, status: answer.status, bodyKind: kind };
    if (kind === "keycloak-error") {
      const body = KeycloakErrorBody.parse(JSON.parse(answer.body));
      failure.error = this.clean(body.error);
      if (body.error_description !== undefined) failure.description = this.clean(body.error_description);
    }
    if (answer.status >= 300 && answer.status < 400 && answer.location !== undefined) {
      const base = this.#client.baseUrl.href;
      if (URL.canParse(answer.location, base)) failure.redirectTo = new URL(answer.location, base).origin;
    }
    return failure;
  }

  /** Keycloak's wording fit for a log line: one line, short, with no secret and no full email in it. */
  private clean(text: string): string {
    const line = this.#scrub(text)
      .replace(/\p{Cc}+/gu, " ")
      .replace(EMAIL_LIKE, (email) => redactEmail(email))
      .trim();
    return line.length > MAX_DESCRIPTION ? `${line.slice(0, MAX_DESCRIPTION - 1)}…` : line;
  }
}
