/**
 * A progress bar for long resolutions, on a terminal only: thousands of
 * users take minutes under a directory's quota, and an operator watching should
 * see it move. Logs (not a terminal) get nothing of it.
 */
import { createRequire } from "node:module";

/** Resolutions of more users than this show a bar. */
export const PROGRESS_FROM = 50;

export interface Progress {
  update(done: number, total: number, unit: string): void;
  stop(): void;
}

/** `directoryName` names the directory on the bar ("resolving users in Cognito"). */
export function resolutionProgress(stream: NodeJS.WriteStream | undefined, users: number, directoryName: string): Progress | undefined {
  if (!stream?.isTTY || users <= PROGRESS_FROM) return undefined;
  // Loaded only when a bar shows: a boot that logs (no terminal) does not pay for it.
  const cliProgress = createRequire(import.meta.url)("cli-progress") as typeof import("cli-progress");
  const bar = new cliProgress.SingleBar(
    { stream, format: `resolving users in ${directoryName} |{bar}| {value}/{total} {unit}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, unit) {
      if (!started) {
        bar.start(total, done, { unit });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { unit });
      }
    },
    stop: () => bar.stop(),
  };
}
