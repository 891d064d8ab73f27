/**
 * The HTTP transport of the Keycloak directory: Node's own http/https, which
 * the process has loaded already, with the two limits a boot needs and
 * `fetch` does not offer separately: a connect timeout (an address that
 * swallows packets) and a whole-request timeout (a server that accepts and
 * never answers). Node's network errors come through as they are, with their
 * `code` (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, ...), for the taxonomy.
 */
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { buffer } from "node:stream/consumers";

import { errorCode } from "../shared/errors.js";
import { KeycloakTimeoutError } from "./keycloak-failures.js";

export interface HttpTimeouts {
  /** From the request's start until the connection (and its TLS handshake) is up; a kept-alive connection has none. */
  connectTimeoutMs: number;
  /** From the request's start until the whole answer has arrived. */
  requestTimeoutMs: number;
}

export interface HttpRequest {
  method: "GET" | "POST";
  url: URL;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  location: string | undefined;
  body: string;
}

/** What Node reports when a kept-alive connection the server had already closed is used: ask again on a new one. */
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE"]);

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("This operation was aborted", "AbortError");
}

/** The answer's status, type, redirect and whole body. */
async function readAnswer(response: http.IncomingMessage): Promise<HttpAnswer> {
  const body = await buffer(response);
  return {
    status: response.statusCode ?? 0,
    contentType: response.headers["content-type"] ?? "",
    location: response.headers.location,
    body: body.toString("utf8"),
  };
}

/** Fails `outgoing` when its socket is still connecting (TLS included) after `ms`; a kept-alive socket is connected already. */
function limitConnect(outgoing: http.ClientRequest, secure: boolean, ms: number, timers: NodeJS.Timeout[], fail: (error: Error) => void) {
  outgoing.on("socket", (socket: Socket) => {
    if (!socket.connecting) return;
    const timer = setTimeout(() => fail(new KeycloakTimeoutError("connect", ms)), ms);
    timers.push(timer);
    socket.once(secure ? "secureConnect" : "connect", () => clearTimeout(timer));
  });
}

export class KeycloakHttp {
  /** Kept-alive connections: a boot asks many questions of one server, and TLS handshakes cost round trips. */
  private readonly agents = { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) };

  constructor(private readonly timeouts: HttpTimeouts) {}

  /** Sends one request and reads the whole answer, whatever its status; throws on network errors, timeouts and aborts. */
  send(request: HttpRequest): Promise<HttpAnswer> {
    return this.attempt(request, true);
  }

  /** Closes every kept-alive connection; requests still in flight fail. */
  close(): void {
    this.agents["http:"].destroy();
    this.agents["https:"].destroy();
  }

  private open(request: HttpRequest, secure: boolean): http.ClientRequest {
    // A length rather than chunks: some proxies in front of Keycloak refuse a chunked form.
    const length = request.body === undefined ? {} : { "content-length": String(Buffer.byteLength(request.body)) };
    return (secure ? https : http).request(request.url, {
      method: request.method,
      headers: { ...request.headers, ...length },
      agent: this.agents[secure ? "https:" : "http:"],
    });
  }

  private attempt(request: HttpRequest, mayRetryStale: boolean): Promise<HttpAnswer> {
    const { signal } = request;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const secure = request.url.protocol === "https:";

    return new Promise<HttpAnswer>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        for (const timer of timers) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        outcome();
      };
      const fail = (error: Error) =>
        settle(() => {
          outgoing.destroy();
          reject(error);
        });
      const onAbort = () => fail(abortReason(signal!));

      const outgoing = this.open(request, secure);
      signal?.addEventListener("abort", onAbort, { once: true });
      const { connectTimeoutMs, requestTimeoutMs } = this.timeouts;
      timers.push(setTimeout(() => fail(new KeycloakTimeoutError("request", requestTimeoutMs)), requestTimeoutMs));
      limitConnect(outgoing, secure, connectTimeoutMs, timers, fail);
      outgoing.on("error", (error) => {
        const stale = mayRetryStale && outgoing.reusedSocket && STALE_CONNECTION.has(errorCode(error) ?? "");
        if (stale) settle(() => resolve(this.attempt(request, false)));
        else fail(error);
      });
      outgoing.on("response", (response) => {
        readAnswer(response).then(
          (answer) => settle(() => resolve(answer)),
          (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
        );
      });
      outgoing.end(request.body);
    });
  }
}
