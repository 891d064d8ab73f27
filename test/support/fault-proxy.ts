/**
 * A fault-injecting HTTP proxy for integration tests. It sits between the AWS SDK's Cognito client and the Cognito
 * emulator (AWS JSON 1.1: `POST /`, `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`, JSON body), forwards
 * requests untouched, and on demand answers chosen ones with an error status, a reset connection or silence. It
 * records every request, faulted or not, so tests can count exactly what the seed asked Cognito.
 */
import http from "node:http";
import { pipeline } from "node:stream";
import { buffer } from "node:stream/consumers";

import { filteredEmail, Pager, QUOTA_CATEGORY, TokenBucket, withEmailIgnoringCase, type ListUsersRequest } from "./cognito-like.js";
import { startLoopbackServer } from "./loopback-server.js";

export type Fault =
  | { kind: "status"; status: number; errorType?: string; body?: string }
  | { kind: "reset" } // destroy the client socket without any response (SDK sees ECONNRESET / socket hang up)
  | { kind: "hang" } // accept the request and never answer (until close())
  | { kind: "delay"; ms: number }; // forward the request after `ms` milliseconds

type FaultMatch = "all" | { email: string } | { action: string };

interface FaultRule {
  match: FaultMatch;
  fault: Fault;
  /** Apply to at most this many matching requests, then pass through. Default: unlimited. */
  times?: number;
}

export interface ProxiedRequest {
  /** The action from X-Amz-Target, e.g. "ListUsers". */
  action: string;
  /** For ListUsers with Filter `email = "<value>"`, the value; otherwise undefined. */
  email?: string;
  /** What happened: "forwarded" or the fault kind applied ("status:503", "reset", "hang"). */
  outcome: string;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port> — pass as the SDK endpoint (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER). */
  endpoint: string;
  /** Every request received, in order. */
  readonly requests: readonly ProxiedRequest[];
  /** Adds a rule; the first matching rule (in insertion order) with remaining `times` wins. */
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Forgets recorded requests. */
  resetCounts(): void;
  /** Closes the listener and destroys every open socket, hung ones included. */
  close(): Promise<void>;
}

export type StatusFault = Extract<Fault, { kind: "status" }>;

/** A rule as the proxy keeps it: how many more requests it may fault (Infinity when `times` is not set). */
export interface ActiveRule {
  readonly match: FaultMatch;
  readonly fault: Fault;
  remaining: number;
}

/** A request as far as rule matching cares. */
export type RequestKey = Pick<ProxiedRequest, "action" | "email">;

/** Helpers that build the common faults, e.g. awsError("NotAuthorizedException", 400). */
export function awsError(errorType: string, status = 400, message?: string): Fault {
  return { kind: "status", status, errorType, body: awsErrorBody(errorType, message) };
}

/** The body an AWS JSON 1.1 service sends with an error; the SDK reads the error name from `__type`. */
function awsErrorBody(errorType: string, message = `${errorType} injected by the fault proxy`): string {
  return JSON.stringify({ __type: errorType, message });
}

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers: what a request is, which rule applies, what to answer.

/** "AWSCognitoIdentityProviderService.ListUsers" -> "ListUsers"; "" when the header is missing. */
export function parseAction(target: string | readonly string[] | undefined): string {
  const value = typeof target === "string" ? target : (target?.[0] ?? "");
  return value.slice(value.lastIndexOf(".") + 1);
}

/** The email a ListUsers request filters on, or undefined (other actions, other filters, malformed JSON). */
export function parseEmailFilter(action: string, body: string): string | undefined {
  if (action !== "ListUsers") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || !("Filter" in parsed)) return undefined;
  const filter = parsed.Filter;
  // The seed looks users up with exactly `email = "<email>"`; anything else is not an email lookup.
  return typeof filter === "string" ? filteredEmail(filter) : undefined;
}

function matches(match: FaultMatch, request: RequestKey): boolean {
  if (match === "all") return true;
  if ("email" in match) return request.email === match.email;
  return request.action === match.action;
}

/** The first rule, in insertion order, that matches and still has uses left; undefined means pass through. */
export function chooseRule<Rule extends ActiveRule>(rules: readonly Rule[], request: RequestKey): Rule | undefined {
  return rules.find((rule) => rule.remaining > 0 && matches(rule.match, request));
}

/** How a request's fate is recorded: "forwarded", "status:503", "reset" or "hang". */
function outcomeOf(fault: Fault | undefined): string {
  if (fault === undefined) return "forwarded";
  if (fault.kind === "delay") return `delay:${fault.ms}`;
  return fault.kind === "status" ? `status:${fault.status}` : fault.kind;
}

export interface CannedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The response a status fault sends: an AWS JSON 1.1 error when it names an error type, else the raw body. */
export function statusResponse(fault: StatusFault): CannedResponse {
  if (fault.errorType !== undefined) {
    return {
      status: fault.status,
      headers: { "x-amzn-errortype": fault.errorType, "content-type": "application/x-amz-json-1.1" },
      body: fault.body ?? awsErrorBody(fault.errorType),
    };
  }
  // No error type: imitate a load balancer or a crashed server, whose body (often none) the SDK cannot parse.
  const body = fault.body ?? "";
  return { status: fault.status, headers: body === "" ? {} : { "content-type": "text/plain; charset=utf-8" }, body };
}

// ---------------------------------------------------------------------------------------------------------------
// I/O.

/** What the proxy does besides faults, to behave like Cognito under its quotas (for measurements). */
export interface ProxyOptions {
  /**
   * How long every call takes at least, from its arrival to its answer: the
   * round trip to a real region. cognito-local's own time counts towards it.
   */
  latencyMs?: number;
  /** Requests a second per quota category (e.g. `{ UserList: 30 }`); past it, TooManyRequestsException. */
  quotas?: Readonly<Record<string, number>>;
  /**
   * Answer as Cognito does where cognito-local does not: ListUsers in pages of
   * at most 60 (or `Limit`) with PaginationTokens, an email filter compared
   * as the pool's `UsernameConfiguration.CaseSensitive` says, and
   * DescribeUserPool with the pool's EstimatedNumberOfUsers.
   */
  cognitoLike?: boolean;
}

export async function startFaultProxy(upstream: string, options: ProxyOptions = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  if (target.protocol !== "http:") throw new Error(`fault proxy: upstream must be an http:// URL, got ${upstream}`);
  // A private agent without keep-alive, so close() leaves no pooled upstream socket behind.
  const agent = new http.Agent({ keepAlive: false });
  let rules: ActiveRule[] = [];
  let requests: ProxiedRequest[] = [];
  const buckets = new Map(Object.entries(options.quotas ?? {}).map(([category, rate]) => [category, new TokenBucket(rate)]));

  /** One call to upstream, outside the client's view (not recorded, no quota). */
  function callUpstream(action: string, payload: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        {
          agent,
          hostname: target.hostname,
          port: target.port,
          method: "POST",
          path: "/",
          headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityProviderService.${action}` },
        },
        (response) => {
          buffer(response).then(
            (raw) =>
              resolve({ status: response.statusCode ?? 502, json: JSON.parse(raw.toString("utf8") || "{}") as Record<string, unknown> }),
            reject,
          );
        },
      );
      outgoing.on("error", reject);
      outgoing.end(JSON.stringify(payload));
    });
  }

  /** Each pool's case rule, asked of upstream once. */
  const caseRules = new Map<string, Promise<boolean>>();
  function emailsCaseSensitive(userPoolId: string): Promise<boolean> {
    let rule = caseRules.get(userPoolId);
    if (!rule) {
      rule = callUpstream("DescribeUserPool", { UserPoolId: userPoolId }).then(({ json }) => {
        const configuration = (json.UserPool as { UsernameConfiguration?: { CaseSensitive?: boolean } } | undefined)?.UsernameConfiguration;
        return configuration?.CaseSensitive !== false;
      });
      caseRules.set(userPoolId, rule);
    }
    return rule;
  }

  const pager = new Pager(async (request) => {
    const email = filteredEmail(request.Filter);
    const ignoreCase = email !== undefined && !(await emailsCaseSensitive(request.UserPoolId ?? ""));
    // A case-insensitive pool's filter is answered here, from the whole listing.
    const upstreamRequest = { ...request, Filter: ignoreCase ? undefined : request.Filter, Limit: undefined, PaginationToken: undefined };
    const { status, json } = await callUpstream("ListUsers", upstreamRequest);
    if (status !== 200) throw new Error(`upstream ListUsers answered ${status}`);
    const users = (json.Users as unknown[] | undefined) ?? [];
    return ignoreCase ? withEmailIgnoringCase(users, email) : users;
  });

  function send(res: http.ServerResponse, canned: CannedResponse): void {
    res.writeHead(canned.status, { ...canned.headers, "content-length": Buffer.byteLength(canned.body) });
    res.end(canned.body);
  }

  function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
    send(res, { status, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify(value) });
  }

  /** ListUsers and DescribeUserPool as Cognito answers them. */
  async function answerLikeCognito(action: string, body: Buffer, res: http.ServerResponse, due: () => Promise<void>): Promise<boolean> {
    if (action === "ListUsers") {
      const page = await pager.page(JSON.parse(body.toString("utf8")) as ListUsersRequest);
      await due();
      if (page === undefined)
        send(res, statusResponse(awsError("InvalidParameterException", 400, "Invalid pagination token") as StatusFault));
      else sendJson(res, 200, page);
      return true;
    }
    if (action === "DescribeUserPool") {
      const request = JSON.parse(body.toString("utf8")) as { UserPoolId?: string };
      const described = await callUpstream("DescribeUserPool", request);
      if (described.status !== 200) return false;
      const listed = await callUpstream("ListUsers", { UserPoolId: request.UserPoolId, AttributesToGet: ["sub"] });
      const pool = described.json.UserPool as Record<string, unknown>;
      await due();
      sendJson(res, 200, { UserPool: { ...pool, EstimatedNumberOfUsers: ((listed.json.Users as unknown[]) ?? []).length } });
      return true;
    }
    return false;
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, due: () => Promise<void>): void {
    const outgoing = http.request(
      {
        agent,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upstreamRes) => {
        void due().then(() => {
          // The client may have hung up while its answer waited (a seed stops at a fatal error): drop the answer.
          // Node 24 and later throw when piping into a destroyed stream; Node 20 and 22 only tell pipeline's callback.
          if (res.destroyed) {
            upstreamRes.resume();
            return;
          }
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, upstreamRes.headers);
          // pipeline destroys both ends if either fails, so a broken upstream never leaves the client waiting.
          pipeline(upstreamRes, res, () => undefined);
        });
      },
    );
    outgoing.on("error", (error: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
      res.end(`fault proxy: upstream ${upstream} failed (${error.code ?? error.message})`);
    });
    outgoing.end(body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await buffer(req);
    const action = parseAction(req.headers["x-amz-target"]);
    const email = parseEmailFilter(action, body.toString("utf8"));
    // Every answer (and every fault) waits until the call has taken `latencyMs`.
    const answerAt = performance.now() + (options.latencyMs ?? 0);
    const due = () => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, answerAt - performance.now())));
    const rule = chooseRule(rules, { action, email });
    if (rule !== undefined) rule.remaining -= 1;
    const fault = rule?.fault;

    if (fault === undefined) {
      const bucket = buckets.get(QUOTA_CATEGORY[action] ?? "");
      if (bucket && !bucket.take()) {
        requests.push({ action, email, outcome: "throttled" });
        await due();
        send(res, statusResponse(awsError("TooManyRequestsException", 400, "Rate exceeded") as StatusFault));
        return;
      }
      requests.push({ action, email, outcome: outcomeOf(undefined) });
      if (options.cognitoLike && (await answerLikeCognito(action, body, res, due))) return;
      return forward(req, res, body, due);
    }
    requests.push({ action, email, outcome: outcomeOf(fault) });
    switch (fault.kind) {
      case "status":
        await due();
        send(res, statusResponse(fault));
        return;
      case "reset":
        await due();
        // A TCP reset rather than a clean FIN: what a crashed load balancer or a dropped NAT entry looks like.
        req.socket.resetAndDestroy();
        return;
      case "hang":
        // Nothing to do: the socket stays open until the client gives up or close() destroys it.
        return;
      case "delay":
        setTimeout(() => forward(req, res, body, due), fault.ms);
        return;
    }
  }

  const server = await startLoopbackServer(handle);

  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    get requests() {
      return [...requests];
    },
    addFault(rule) {
      rules.push({ match: rule.match, fault: rule.fault, remaining: rule.times ?? Infinity });
    },
    clearFaults() {
      rules = [];
    },
    resetCounts() {
      requests = [];
    },
    close() {
      agent.destroy();
      return server.close();
    },
  };
}
