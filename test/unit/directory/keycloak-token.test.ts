import { inspect } from "node:util";

import { describe, expect, it, vi } from "vitest";

import type { IssuedToken } from "../../../src/directory/keycloak-api.js";
import { AdminTokenCache, TOKEN_REFRESH_MARGIN_MS } from "../../../src/directory/keycloak-token.js";

/** A token endpoint that issues token-1, token-2, ... living `lifetimeSeconds`, and a clock the test moves. */
function setUp(lifetimeSeconds = 300) {
  let now = 1_000_000;
  let issued = 0;
  const issue = vi.fn(async (): Promise<IssuedToken> => ({ accessToken: `token-${++issued}`, expiresInSeconds: lifetimeSeconds }));
  const cache = new AdminTokenCache(issue, () => now);
  return {
    cache,
    issue,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("AdminTokenCache", () => {
  it("asks for a token once and reuses it while it has more than 30 s to live", async () => {
    const { cache, issue, advance } = setUp(300);
    await expect(cache.get()).resolves.toBe("token-1");
    advance(300_000 - TOKEN_REFRESH_MARGIN_MS - 1);
    await expect(cache.get()).resolves.toBe("token-1");
    expect(issue).toHaveBeenCalledOnce();
  });

  it("asks for a new one 30 s before the current one expires", async () => {
    const { cache, issue, advance } = setUp(300);
    await cache.get();
    advance(300_000 - TOKEN_REFRESH_MARGIN_MS);
    await expect(cache.get()).resolves.toBe("token-2");
    expect(issue).toHaveBeenCalledTimes(2);
    // The new token's lifetime counts from when it was asked for.
    advance(300_000 - TOKEN_REFRESH_MARGIN_MS - 1);
    await expect(cache.get()).resolves.toBe("token-2");
  });

  it("keeps a token of a realm with very short lifetimes for half of its life rather than none", async () => {
    const { cache, advance } = setUp(20);
    await cache.get();
    advance(9_999);
    await expect(cache.get()).resolves.toBe("token-1");
    advance(1);
    await expect(cache.get()).resolves.toBe("token-2");
  });

  it("shares one request among callers that need a token at the same time", async () => {
    const { cache, issue } = setUp();
    const tokens = await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(tokens).toEqual(["token-1", "token-1", "token-1"]);
    expect(issue).toHaveBeenCalledOnce();
  });

  it("asks for a new token after the current one was refused, once for every caller", async () => {
    const { cache, issue } = setUp();
    await cache.get();
    cache.invalidate("token-1");
    cache.invalidate("token-1");
    await expect(Promise.all([cache.get(), cache.get()])).resolves.toEqual(["token-2", "token-2"]);
    expect(issue).toHaveBeenCalledTimes(2);
  });

  it("ignores a refusal of a token it has already replaced", async () => {
    const { cache, issue } = setUp();
    await cache.get();
    cache.invalidate("token-1");
    await cache.get();
    cache.invalidate("token-1");
    await expect(cache.get()).resolves.toBe("token-2");
    expect(issue).toHaveBeenCalledTimes(2);
  });

  it("passes a failed request on to every waiting caller, and asks again on the next get", async () => {
    const { cache, issue } = setUp();
    const refused = new Error("refused");
    issue.mockRejectedValueOnce(refused);
    const results = await Promise.allSettled([cache.get(), cache.get()]);
    expect(results).toEqual([
      { status: "rejected", reason: refused },
      { status: "rejected", reason: refused },
    ]);
    await expect(cache.get()).resolves.toBe("token-1");
    expect(issue).toHaveBeenCalledTimes(2);
  });

  it("stops waiting when the caller's signal aborts, without failing the others", async () => {
    const { cache, issue } = setUp();
    let answer!: (token: IssuedToken) => void;
    issue.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    const controller = new AbortController();
    const aborted = cache.get(controller.signal);
    const patient = cache.get();
    controller.abort(new DOMException("stopping", "AbortError"));
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    answer({ accessToken: "late-token", expiresInSeconds: 300 });
    await expect(patient).resolves.toBe("late-token");
  });

  it("rejects at once for a signal that has already aborted, without asking", async () => {
    const { cache, issue } = setUp();
    await expect(cache.get(AbortSignal.abort())).rejects.toMatchObject({ name: "AbortError" });
    expect(issue).not.toHaveBeenCalled();
  });

  it("never shows its token when inspected or serialised", async () => {
    const { cache } = setUp();
    await cache.get();
    expect(inspect(cache, { depth: 5, showHidden: true })).not.toContain("token-1");
    expect(JSON.stringify(cache)).not.toContain("token-1");
  });
});
