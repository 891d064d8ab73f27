/**
 * Test fixture: starts the local stack, prints its pids and directories as one
 * JSON line, then waits to be killed, or throws (`throw`) to crash.
 */
import { startLocalStack } from "../../dev/local-stack.js";

const stack = await startLocalStack();
process.stdout.write(
  `${JSON.stringify({
    pids: [stack.postgres.pid, stack.cognito.pid],
    directories: [stack.postgres.dataDirectory, stack.cognito.workDirectory],
  })}\n`,
);
if (process.argv[2] === "throw") {
  setTimeout(() => {
    throw new Error("deliberate crash with the stack running");
  }, 100);
}
setInterval(() => {}, 60_000);
