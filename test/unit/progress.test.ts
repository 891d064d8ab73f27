import { Writable } from "node:stream";

import { describe, expect, it } from "vitest";

import { PROGRESS_FROM, resolutionProgress } from "../../src/seed/progress.js";

function stream(isTTY: boolean) {
  let written = "";
  const out = new Writable({
    write(chunk, _encoding, done) {
      written += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(out, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { out, written: () => written };
}

describe("resolutionProgress", () => {
  it.each(["Cognito", "Keycloak"])("draws a bar on a terminal for more than 50 users, naming the directory (%s)", (name) => {
    const terminal = stream(true);
    const progress = resolutionProgress(terminal.out, PROGRESS_FROM + 1, name);
    expect(progress).toBeDefined();
    progress!.update(10, 51, "users");
    progress!.update(51, 51, "users");
    progress!.stop();
    expect(terminal.written()).toContain(`resolving users in ${name}`);
    expect(terminal.written()).toContain("51/51 users");
  });

  it("draws nothing when the stream is not a terminal (logs), or for 50 users or fewer", () => {
    expect(resolutionProgress(stream(false).out, 10_000, "Cognito")).toBeUndefined();
    expect(resolutionProgress(stream(true).out, PROGRESS_FROM, "Cognito")).toBeUndefined();
    expect(resolutionProgress(undefined, 10_000, "Cognito")).toBeUndefined();
  });
});
