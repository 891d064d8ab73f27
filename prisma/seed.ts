// `npx prisma db seed` runs this on every boot, right after `prisma migrate deploy`.
// Exit codes: 0 success (skipped users allowed unless --strict), 1 fatal, 2 usage error.
import { main } from "../src/main/seed.js";

process.exitCode = await main(process.argv.slice(2));
