// `npx prisma db seed` runs this on every boot, right after `prisma migrate deploy`.
import { connectDatabase } from "../src/db.js";
import { ROLES } from "../src/roles.js";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set.");
  process.exit(1);
}
const db = connectDatabase(url);
try {
  for (const role of ROLES) {
    await db.role.upsert({ where: { id: role.id }, create: role, update: { name: role.name, description: role.description } });
  }
} finally {
  await db.$disconnect();
}
