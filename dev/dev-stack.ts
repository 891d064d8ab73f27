/**
 * `npm run dev:stack`: the local stack for development, kept running until
 * Ctrl-C: a throwaway PostgreSQL database and a Cognito emulator holding the
 * shipped manifest's users. Prints the environment to export in another
 * terminal, for `npx prisma migrate dev` or trying the seed by hand.
 */
import { fileURLToPath } from "node:url";

import { loadManifest } from "../src/manifest/index.js";
import { createUserPool } from "./cognito.js";
import { startLocalStack } from "./local-stack.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// One line, not a stack trace, when the stack cannot start (e.g. PostgreSQL's user cannot reach its files).
const stack = await startLocalStack().catch((error: unknown) => {
  console.error(`dev:stack failed: ${error instanceof Error ? error.message : String(error)}`);
  return process.exit(1);
});
const users = await loadManifest(fileURLToPath(new URL("../prisma/seed-users.json", import.meta.url)));
const { userPoolId } = await createUserPool(stack.cognito.endpoint, "flip-dev", users);
const databaseUrl = await stack.createDatabase("flip_dev");
const exports = Object.entries(stack.environment({ databaseUrl, userPoolId }))
  .map(([name, value]) => `  export ${name}='${value}'`)
  .join("\n");
console.log(`The local stack is running (throwaway: everything is deleted on Ctrl-C). In another terminal:

${exports}

then, for example:
  npx prisma migrate dev --name <what_changed>
  npx prisma db seed
`);
// Ctrl-C stops the stack (startLocalStack handles the signal).
setInterval(() => {}, 60_000);
