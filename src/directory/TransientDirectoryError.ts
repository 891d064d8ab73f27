import { FlipDbError } from "../shared/errors.js";

/**
 * The directory could not answer just now: throttling, a server fault, a
 * timeout, the network, once its client's own retries are spent. The one way
 * a directory says so, from any of its methods: the user is skipped for this
 * boot, never stopped on. `throttled` marks a request to slow down, which
 * the resolver answers by slowing down and asking again.
 */
export class TransientDirectoryError extends FlipDbError {
  override name = "TransientDirectoryError" as const;
  readonly code = "DIRECTORY_TRANSIENT";

  constructor(
    /** One line: what happened. Never holds a secret or an email. */
    readonly reason: string,
    readonly throttled: boolean,
  ) {
    super([reason]);
  }
}
