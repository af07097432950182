-- AlterTable
ALTER TABLE "users" DROP COLUMN "failed_logins",
DROP COLUMN "locked_until";

-- CreateTable
CREATE TABLE "login_attempts" (
    "username" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "login_attempts_pkey" PRIMARY KEY ("username")
);

-- CreateTable
CREATE TABLE "app_meta" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_meta_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "login_attempts_last_attempt_at_idx" ON "login_attempts"("last_attempt_at");

-- Vendor payloads stored before Emerald stripped credentials from them: remove the keys
-- vendors are known to send (ISPCube's PPPoE `password`, nested in a customer's
-- `connections[]` too). Rows keep everything else; the next sync rewrites them anyway.
UPDATE "connections" SET "raw" = "raw" - 'password' - 'pass' - 'api_key' - 'token'
 WHERE jsonb_typeof("raw") = 'object' AND "raw" ?| ARRAY['password', 'pass', 'api_key', 'token'];
UPDATE "customers"
   SET "raw" = jsonb_set("raw", '{connections}',
         (SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(c) = 'object' THEN c - 'password' - 'pass' ELSE c END), '[]'::jsonb)
            FROM jsonb_array_elements("raw" -> 'connections') AS c))
 WHERE jsonb_typeof("raw" -> 'connections') = 'array';
UPDATE "routers" SET "raw" = "raw" - 'password' - 'pass' - 'api_key' - 'token'
 WHERE jsonb_typeof("raw") = 'object' AND "raw" ?| ARRAY['password', 'pass', 'api_key', 'token'];
