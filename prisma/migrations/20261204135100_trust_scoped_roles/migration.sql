-- FLIP's trust-scoped roles (FLIP#1260): `user_role` gains a surrogate `id` and
-- a nullable `trust_id`. Expand-only and in place, so that 0.1.0 keeps booting
-- on it: every existing row is kept and becomes a global row (`trust_id` NULL);
-- `id` has a database default, so code that inserts without it (0.1.0's seed)
-- still works; `seed_grant` is not touched. The script reaches PostgreSQL as one
-- simple query, which runs as one transaction: a failure leaves nothing of it.

-- AlterTable: `id` is filled for every existing row by its default.
ALTER TABLE "user_role" DROP CONSTRAINT "user_role_pkey",
ADD COLUMN     "id" UUID NOT NULL DEFAULT gen_random_uuid(),
ADD COLUMN     "trust_id" UUID,
ADD CONSTRAINT "user_role_pkey" PRIMARY KEY ("id");

-- CreateIndex: a global role once per user (the old primary key's guarantee, for global rows).
CREATE UNIQUE INDEX "uq_user_role_global" ON "user_role"("user_id", "role_id") WHERE (trust_id IS NULL);

-- CreateIndex: a role once per user and trust.
CREATE UNIQUE INDEX "uq_user_role_per_trust" ON "user_role"("user_id", "role_id", "trust_id") WHERE (trust_id IS NOT NULL);

-- CreateIndex
CREATE INDEX "user_role_user_id_idx" ON "user_role"("user_id");

-- CreateIndex
CREATE INDEX "user_role_trust_id_idx" ON "user_role"("trust_id");
