import http from "node:http";
import type { AddressInfo } from "node:net";

import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  type CognitoIdentityProviderClientConfig,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  awsError,
  chooseRule,
  parseAction,
  parseEmailFilter,
  startFaultProxy,
  statusResponse,
  type ActiveRule,
  type Fault,
  type FaultProxy,
} from "../../support/fault-proxy.js";

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers.

describe("parseAction", () => {
  it.each([
    ["AWSCognitoIdentityProviderService.ListUsers", "ListUsers"],
    ["AWSCognitoIdentityProviderService.AdminGetUser", "AdminGetUser"],
    [["AWSCognitoIdentityProviderService.ListUsers"], "ListUsers"],
    [undefined, ""],
  ])("%j -> %j", (target, action) => {
    expect(parseAction(target)).toBe(action);
  });
});

describe("parseEmailFilter", () => {
  it.each([
    ["ListUsers", JSON.stringify({ UserPoolId: "p", Filter: 'email = "ada@example.org"' }), "ada@example.org"],
    ["ListUsers", JSON.stringify({ UserPoolId: "p", Filter: 'email = ""' }), ""],
    ["ListUsers", JSON.stringify({ UserPoolId: "p", Filter: 'email ^= "ada"' }), undefined],
    ["ListUsers", JSON.stringify({ UserPoolId: "p", Filter: 'username = "ada"' }), undefined],
    ["ListUsers", JSON.stringify({ UserPoolId: "p" }), undefined],
    ["ListUsers", JSON.stringify({ Filter: 42 }), undefined],
    ["ListUsers", "null", undefined],
    ["ListUsers", "{not json", undefined],
    ["ListUsers", "", undefined],
    ["AdminGetUser", JSON.stringify({ Filter: 'email = "ada@example.org"' }), undefined],
  ])("%s %s -> %j", (action, body, email) => {
    expect(parseEmailFilter(action, body)).toBe(email);
  });
});

describe("chooseRule", () => {
  const fault: Fault = { kind: "reset" };
  const rule = (match: ActiveRule["match"], remaining = Infinity): ActiveRule => ({ match, fault, remaining });

  it("takes the first matching rule in insertion order", () => {
    const rules = [rule({ action: "AdminGetUser" }), rule({ email: "ada@example.org" }), rule("all")];
    expect(chooseRule(rules, { action: "ListUsers", email: "ada@example.org" })).toBe(rules[1]);
    expect(chooseRule(rules, { action: "ListUsers", email: "bob@example.org" })).toBe(rules[2]);
    expect(chooseRule(rules, { action: "AdminGetUser" })).toBe(rules[0]);
  });

  it("skips rules whose uses are spent, and passes through when none is left", () => {
    const rules = [rule("all", 0), rule({ action: "ListUsers" }, 1)];
    expect(chooseRule(rules, { action: "ListUsers" })).toBe(rules[1]);
    expect(chooseRule(rules, { action: "AdminGetUser" })).toBeUndefined();
  });

  it("never matches an email rule against a request without an email", () => {
    expect(chooseRule([rule({ email: "ada@example.org" })], { action: "ListUsers" })).toBeUndefined();
  });
});

describe("statusResponse", () => {
  it("answers the AWS JSON 1.1 way when an error type is named", () => {
    expect(statusResponse({ kind: "status", status: 503, errorType: "InternalErrorException" })).toEqual({
      status: 503,
      headers: { "x-amzn-errortype": "InternalErrorException", "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify({ __type: "InternalErrorException", message: "InternalErrorException injected by the fault proxy" }),
    });
  });

  it("sends the given body as is, and no body at all by default", () => {
    expect(statusResponse({ kind: "status", status: 502, body: "" })).toEqual({ status: 502, headers: {}, body: "" });
    expect(statusResponse({ kind: "status", status: 500 })).toEqual({ status: 500, headers: {}, body: "" });
    expect(statusResponse({ kind: "status", status: 500, body: "<html>oops</html>" }).body).toBe("<html>oops</html>");
  });

  it("builds awsError faults with the message given", () => {
    expect(awsError("NotAuthorizedException", 400, "Incorrect username or password.")).toEqual({
      kind: "status",
      status: 400,
      errorType: "NotAuthorizedException",
      body: JSON.stringify({ __type: "NotAuthorizedException", message: "Incorrect username or password." }),
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The proxy, between the real SDK client and a fake upstream on loopback.

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A stand-in for cognito-local: answers every request with `{"Users":[]}` and records what it received. */
async function startFakeUpstream(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1", "x-upstream": "fake" });
      res.end(JSON.stringify({ Users: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw HTTP exchange through the proxy, for what the SDK would not send or would hide. */
function rawPost(
  endpoint: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${endpoint}/`, { method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The fields of an SDK error that tests and the seed's error classification look at. */
interface SdkErrorShape {
  name: string;
  message: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

async function sdkError(promise: Promise<unknown>): Promise<SdkErrorShape> {
  const error: unknown = await promise.then(
    () => expect.unreachable("the SDK call should have failed"),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Error);
  return error as SdkErrorShape;
}

const listByEmail = (email: string) => new ListUsersCommand({ UserPoolId: "eu-west-2_pool", Filter: `email = "${email}"` });

describe("startFaultProxy", () => {
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  let proxy: FaultProxy;
  const clients: CognitoIdentityProviderClient[] = [];

  function client(extra: Partial<CognitoIdentityProviderClientConfig> = {}): CognitoIdentityProviderClient {
    const created = new CognitoIdentityProviderClient({
      endpoint: proxy.endpoint,
      region: "eu-west-2",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
      maxAttempts: 1,
      ...extra,
    });
    clients.push(created);
    return created;
  }

  beforeEach(async () => {
    upstream = await startFakeUpstream();
    proxy = await startFaultProxy(upstream.url);
  });

  afterEach(async () => {
    for (const created of clients.splice(0)) created.destroy();
    await proxy.close();
    await upstream.close();
  });

  it("listens on a kernel-chosen loopback port", () => {
    expect(proxy.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(proxy.endpoint).port).not.toBe(new URL(upstream.url).port);
  });

  describe("passing through", () => {
    it("forwards method, path, headers and body, fixing only host, and relays the answer", async () => {
      const output = await client().send(listByEmail("ada@example.org"));

      expect(output.Users).toEqual([]);
      expect(upstream.received).toHaveLength(1);
      const [seen] = upstream.received;
      expect(seen).toMatchObject({ method: "POST", url: "/" });
      expect(seen?.headers.host).toBe(new URL(upstream.url).host);
      expect(seen?.headers["x-amz-target"]).toBe("AWSCognitoIdentityProviderService.ListUsers");
      expect(seen?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=x\//);
      expect(JSON.parse(seen?.body ?? "")).toEqual({ UserPoolId: "eu-west-2_pool", Filter: 'email = "ada@example.org"' });
      expect(proxy.requests).toEqual([{ action: "ListUsers", email: "ada@example.org", outcome: "forwarded" }]);
    });

    it("relays the upstream's status and headers", async () => {
      const response = await rawPost(proxy.endpoint, { "x-amz-target": "AWSCognitoIdentityProviderService.ListUsers" }, "{}");
      expect(response).toMatchObject({ status: 200, body: '{"Users":[]}' });
      expect(response.headers["x-upstream"]).toBe("fake");
    });

    it("forwards a malformed body verbatim and records no email", async () => {
      const response = await rawPost(proxy.endpoint, { "x-amz-target": "AWSCognitoIdentityProviderService.ListUsers" }, "{not json");
      expect(response.status).toBe(200);
      expect(upstream.received.map((seen) => seen.body)).toEqual(["{not json"]);
      expect(proxy.requests).toEqual([{ action: "ListUsers", email: undefined, outcome: "forwarded" }]);
    });

    it("answers 502 when the upstream is unreachable", async () => {
      await upstream.close();
      const response = await rawPost(proxy.endpoint, { "x-amz-target": "AWSCognitoIdentityProviderService.ListUsers" }, "{}");
      expect(response.status).toBe(502);
      expect(response.body).toContain("ECONNREFUSED");
    });
  });

  describe("the SDK error each fault produces", () => {
    it.each(["TooManyRequestsException", "NotAuthorizedException", "ResourceNotFoundException", "ThrottlingException"])(
      "awsError(%s, 400) -> an error of that name, and nothing reaches the upstream",
      async (errorType) => {
        proxy.addFault({ match: "all", fault: awsError(errorType, 400) });

        const error = await sdkError(client().send(listByEmail("ada@example.org")));

        expect(error).toMatchObject({ name: errorType, $fault: "client", $metadata: { httpStatusCode: 400 } });
        expect(error.message).toBe(`${errorType} injected by the fault proxy`);
        expect(upstream.received).toEqual([]);
        expect(proxy.requests).toEqual([{ action: "ListUsers", email: "ada@example.org", outcome: "status:400" }]);
      },
    );

    it("503 InternalErrorException -> a server fault with status 503", async () => {
      proxy.addFault({ match: "all", fault: { kind: "status", status: 503, errorType: "InternalErrorException" } });
      const error = await sdkError(client().send(listByEmail("ada@example.org")));
      expect(error).toMatchObject({ name: "InternalErrorException", $fault: "server", $metadata: { httpStatusCode: 503 } });
    });

    it("500 with an HTML body -> the SDK's own SyntaxError, still carrying status 500", async () => {
      proxy.addFault({ match: "all", fault: { kind: "status", status: 500, body: "<html><body>Internal Server Error</body></html>" } });
      const error = await sdkError(client().send(listByEmail("ada@example.org")));
      // The SDK fails to parse the body as JSON and throws that parse error, with no $fault.
      expect(error).toMatchObject({ name: "SyntaxError", $metadata: { httpStatusCode: 500 } });
      expect(error.$fault).toBeUndefined();
      expect(error.message).toContain("Deserialization error");
    });

    it.each([
      [502, "server"],
      [429, "client"],
    ])("%i with an empty body -> name Unknown, status %i", async (status, fault) => {
      proxy.addFault({ match: "all", fault: { kind: "status", status, body: "" } });
      const error = await sdkError(client().send(listByEmail("ada@example.org")));
      expect(error).toMatchObject({ name: "Unknown", message: "UnknownError", $fault: fault, $metadata: { httpStatusCode: status } });
    });

    it("reset -> ECONNRESET, which the SDK renames TimeoutError", async () => {
      proxy.addFault({ match: "all", fault: { kind: "reset" } });
      const error = await sdkError(client().send(listByEmail("ada@example.org")));
      // @smithy/node-http-handler names ECONNRESET, EPIPE and ETIMEDOUT socket errors "TimeoutError".
      expect(error).toMatchObject({ name: "TimeoutError", code: "ECONNRESET", message: "read ECONNRESET" });
      expect(error.$metadata?.httpStatusCode).toBeUndefined();
      expect(upstream.received).toEqual([]);
      expect(proxy.requests).toEqual([{ action: "ListUsers", email: "ada@example.org", outcome: "reset" }]);
    });

    it("hang -> the client's request timeout, and close() still returns promptly", async () => {
      proxy.addFault({ match: "all", fault: { kind: "hang" } });
      const hanging = client({ requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } });

      const error = await sdkError(hanging.send(listByEmail("ada@example.org")));
      expect(error).toMatchObject({ name: "TimeoutError", code: "ETIMEDOUT" });
      expect(error.message).toContain("300 ms requestTimeout");
      expect(proxy.requests).toEqual([{ action: "ListUsers", email: "ada@example.org", outcome: "hang" }]);

      const started = Date.now();
      await proxy.close();
      expect(Date.now() - started).toBeLessThan(500);
    });
  });

  it("close() destroys a hung socket the client is still waiting on", async () => {
    proxy.addFault({ match: "all", fault: { kind: "hang" } });
    // No client timeout: only close() can end this request.
    const waiting = rawPost(proxy.endpoint, { "x-amz-target": "AWSCognitoIdentityProviderService.ListUsers" }, "{}");
    await expect.poll(() => proxy.requests.length).toBe(1);

    const started = Date.now();
    await proxy.close();
    expect(Date.now() - started).toBeLessThan(500);
    await expect(waiting).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  describe("rules", () => {
    it("faults only the email it matches; other emails pass through", async () => {
      proxy.addFault({ match: { email: "blocked@example.org" }, fault: awsError("NotAuthorizedException") });
      const cognito = client();

      const error = await sdkError(cognito.send(listByEmail("blocked@example.org")));
      expect(error.name).toBe("NotAuthorizedException");
      await expect(cognito.send(listByEmail("fine@example.org"))).resolves.toMatchObject({ Users: [] });

      expect(upstream.received.map((seen) => JSON.parse(seen.body) as unknown)).toEqual([
        { UserPoolId: "eu-west-2_pool", Filter: 'email = "fine@example.org"' },
      ]);
      expect(proxy.requests).toEqual([
        { action: "ListUsers", email: "blocked@example.org", outcome: "status:400" },
        { action: "ListUsers", email: "fine@example.org", outcome: "forwarded" },
      ]);
    });

    it("faults only the action it matches", async () => {
      proxy.addFault({ match: { action: "AdminGetUser" }, fault: awsError("UserNotFoundException") });
      const cognito = client();

      await expect(cognito.send(listByEmail("ada@example.org"))).resolves.toMatchObject({ Users: [] });
      const error = await sdkError(cognito.send(new AdminGetUserCommand({ UserPoolId: "eu-west-2_pool", Username: "ada" })));
      expect(error.name).toBe("UserNotFoundException");
      expect(proxy.requests.map((request) => [request.action, request.outcome])).toEqual([
        ["ListUsers", "forwarded"],
        ["AdminGetUser", "status:400"],
      ]);
    });

    it("times: 1 faults only the first matching request", async () => {
      proxy.addFault({ match: "all", fault: { kind: "status", status: 503, errorType: "InternalErrorException" }, times: 1 });
      const cognito = client();

      expect((await sdkError(cognito.send(listByEmail("a@example.org")))).$metadata?.httpStatusCode).toBe(503);
      await expect(cognito.send(listByEmail("b@example.org"))).resolves.toMatchObject({ Users: [] });
      await expect(cognito.send(listByEmail("c@example.org"))).resolves.toMatchObject({ Users: [] });

      expect(proxy.requests.map((request) => request.outcome)).toEqual(["status:503", "forwarded", "forwarded"]);
      expect(upstream.received).toHaveLength(2);
    });

    it("falls through to the next matching rule once the first is spent", async () => {
      proxy.addFault({ match: "all", fault: { kind: "status", status: 503, errorType: "InternalErrorException" }, times: 1 });
      proxy.addFault({ match: "all", fault: { kind: "status", status: 429, body: "" } });
      const cognito = client();

      await sdkError(cognito.send(listByEmail("a@example.org")));
      await sdkError(cognito.send(listByEmail("a@example.org")));
      await sdkError(cognito.send(listByEmail("a@example.org")));

      expect(proxy.requests.map((request) => request.outcome)).toEqual(["status:503", "status:429", "status:429"]);
    });

    it("clearFaults() lets everything through again", async () => {
      proxy.addFault({ match: "all", fault: { kind: "reset" } });
      proxy.clearFaults();
      await expect(client().send(listByEmail("ada@example.org"))).resolves.toMatchObject({ Users: [] });
      expect(proxy.requests.map((request) => request.outcome)).toEqual(["forwarded"]);
    });
  });

  it("resetCounts() forgets recorded requests but keeps the rules", async () => {
    proxy.addFault({ match: { email: "blocked@example.org" }, fault: awsError("NotAuthorizedException") });
    const cognito = client();
    await cognito.send(listByEmail("fine@example.org"));
    expect(proxy.requests).toHaveLength(1);

    proxy.resetCounts();
    expect(proxy.requests).toEqual([]);

    await sdkError(cognito.send(listByEmail("blocked@example.org")));
    expect(proxy.requests).toEqual([{ action: "ListUsers", email: "blocked@example.org", outcome: "status:400" }]);
  });
});

describe("startFaultProxy: like Cognito under its quotas", () => {
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  const clients: CognitoIdentityProviderClient[] = [];
  const proxies: FaultProxy[] = [];

  async function through(options: Parameters<typeof startFaultProxy>[1]) {
    const proxy = await startFaultProxy(upstream.url, options);
    proxies.push(proxy);
    const created = new CognitoIdentityProviderClient({
      endpoint: proxy.endpoint,
      region: "eu-west-2",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
      maxAttempts: 1,
    });
    clients.push(created);
    return { proxy, client: created };
  }

  beforeEach(async () => {
    upstream = await startFakeUpstream();
  });

  afterEach(async () => {
    for (const created of clients.splice(0)) created.destroy();
    for (const proxy of proxies.splice(0)) await proxy.close();
    await upstream.close();
  });

  it("answers TooManyRequestsException past a quota category's rate, and records the throttling", async () => {
    const { proxy, client } = await through({ quotas: { UserList: 3 } });
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        client.send(listByEmail("a@example.org")).then(
          () => "ok",
          (error: { name: string }) => error.name,
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === "ok")).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome === "TooManyRequestsException")).toHaveLength(2);
    expect(proxy.requests.filter((request) => request.outcome === "throttled")).toHaveLength(2);
  });

  it("holds every answer back until the call has taken the set latency", async () => {
    const { client } = await through({ latencyMs: 120 });
    const started = performance.now();
    await client.send(listByEmail("a@example.org"));
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it("drops the answer of a client that hung up while it waited, and goes on answering", async () => {
    const { client } = await through({ latencyMs: 150 });
    const unhandled: unknown[] = [];
    const collect = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", collect);
    try {
      // A seed that stops at a fatal error closes its connections with answers still on their way.
      await new Promise<void>((resolve) => {
        const req = http.request(`${proxies[0]!.endpoint}/`, {
          method: "POST",
          headers: { "x-amz-target": "AWSCognitoIdentityProviderService.ListUsers" },
          agent: false,
        });
        req.on("error", () => resolve());
        req.end("{}");
        setTimeout(() => req.destroy(), 50);
      });
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(unhandled).toEqual([]);
      await expect(client.send(listByEmail("a@example.org"))).resolves.toMatchObject({ Users: [] });
    } finally {
      process.off("unhandledRejection", collect);
    }
  });
});
