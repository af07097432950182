-- CreateTable
CREATE TABLE "sync_pages" (
    "list" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "mapping" TEXT NOT NULL,
    "keys" TEXT[],
    "row_hashes" TEXT[],
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_pages_pkey" PRIMARY KEY ("list","digest")
);
