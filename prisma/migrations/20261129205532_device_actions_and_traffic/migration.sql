-- CreateEnum
CREATE TYPE "DeviceActionKind" AS ENUM ('DISCONNECT_SESSION', 'DISABLE_SECRET', 'ENABLE_SECRET', 'SET_SECRET_PROFILE', 'REBOOT_ONU', 'RESYNC_ONU', 'DISABLE_ONU', 'ENABLE_ONU');

-- CreateEnum
CREATE TYPE "DeviceActionStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "DeviceActionOutcome" AS ENUM ('HELPED', 'NOT_HELPED', 'UNCHANGED', 'UNKNOWN');

-- CreateTable
CREATE TABLE "device_actions" (
    "id" SERIAL NOT NULL,
    "kind" "DeviceActionKind" NOT NULL,
    "status" "DeviceActionStatus" NOT NULL DEFAULT 'RUNNING',
    "device_key" TEXT NOT NULL,
    "connection_id" INTEGER,
    "actor_id" INTEGER,
    "actor_label" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "detail" JSONB,
    "error_code" TEXT,
    "message" TEXT,
    "verdict_before" TEXT,
    "verdict_after" TEXT,
    "summary_after" TEXT,
    "outcome" "DeviceActionOutcome",
    "checked_at" TIMESTAMPTZ(3),
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "device_actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "traffic_samples" (
    "connection_id" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(0) NOT NULL,
    "down_kbps" INTEGER NOT NULL,
    "up_kbps" INTEGER NOT NULL,

    CONSTRAINT "traffic_samples_pkey" PRIMARY KEY ("connection_id","at")
);

-- CreateTable
CREATE TABLE "traffic_hourly" (
    "connection_id" INTEGER NOT NULL,
    "hour" TIMESTAMPTZ(0) NOT NULL,
    "down_kbps" INTEGER NOT NULL,
    "up_kbps" INTEGER NOT NULL,
    "down_peak_kbps" INTEGER NOT NULL,
    "up_peak_kbps" INTEGER NOT NULL,

    CONSTRAINT "traffic_hourly_pkey" PRIMARY KEY ("connection_id","hour")
);

-- CreateTable
CREATE TABLE "traffic_counters" (
    "router_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "rx_bytes" BIGINT NOT NULL,
    "tx_bytes" BIGINT NOT NULL,
    "sampled_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "traffic_counters_pkey" PRIMARY KEY ("router_id","name")
);

-- CreateTable
CREATE TABLE "traffic_cycles" (
    "router_id" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(0) NOT NULL,
    "sessions" INTEGER NOT NULL DEFAULT 0,
    "samples" INTEGER NOT NULL DEFAULT 0,
    "took_ms" INTEGER NOT NULL DEFAULT 0,
    "top" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "traffic_cycles_pkey" PRIMARY KEY ("router_id","at")
);

-- CreateIndex
CREATE INDEX "device_actions_device_key_requested_at_idx" ON "device_actions"("device_key", "requested_at" DESC);

-- CreateIndex
CREATE INDEX "device_actions_connection_id_requested_at_idx" ON "device_actions"("connection_id", "requested_at" DESC);

-- CreateIndex
CREATE INDEX "traffic_samples_at_idx" ON "traffic_samples" USING BRIN ("at");

-- CreateIndex
CREATE INDEX "traffic_hourly_hour_idx" ON "traffic_hourly" USING BRIN ("hour");

-- CreateIndex
CREATE INDEX "traffic_cycles_at_idx" ON "traffic_cycles"("at");

-- AddForeignKey
ALTER TABLE "device_actions" ADD CONSTRAINT "device_actions_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device_actions" ADD CONSTRAINT "device_actions_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
