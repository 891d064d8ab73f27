import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient } from "./generated/prisma/client.js";

export type Database = PrismaClient;

/** A Prisma client on one pg connection: the seed's work is one transaction, so a pool would only cost start-up time. */
export function connectDatabase(url: string): Database {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 1 }) });
}
