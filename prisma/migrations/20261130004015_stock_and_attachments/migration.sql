-- CreateEnum
CREATE TYPE "SerialKind" AS ENUM ('SERIAL', 'MAC');

-- CreateEnum
CREATE TYPE "StockLocationKind" AS ENUM ('WAREHOUSE', 'VAN');

-- CreateEnum
CREATE TYPE "StockItemStatus" AS ENUM ('IN_STOCK', 'INSTALLED', 'FAULTY', 'RETIRED');

-- CreateEnum
CREATE TYPE "StockMoveKind" AS ENUM ('RECEIVE', 'TRANSFER', 'CONSUME', 'INSTALL', 'RETURN', 'FAULTY', 'ADJUST');

-- CreateEnum
CREATE TYPE "AttachmentKind" AS ENUM ('PHOTO', 'SIGNATURE', 'FILE');

-- AlterTable
ALTER TABLE "materials" ADD COLUMN     "serial_kind" "SerialKind";

-- AlterTable
ALTER TABLE "work_orders" ADD COLUMN     "completion_key" TEXT,
ADD COLUMN     "signed_by" TEXT,
ADD COLUMN     "stock_override_reason" TEXT;

-- CreateTable
CREATE TABLE "stock_locations" (
    "id" SERIAL NOT NULL,
    "kind" "StockLocationKind" NOT NULL,
    "name" TEXT NOT NULL,
    "technician_id" INTEGER,
    "team_id" INTEGER,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_locations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stock_levels" (
    "location_id" INTEGER NOT NULL,
    "material_id" INTEGER NOT NULL,
    "quantity" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "min_quantity" DECIMAL(12,2),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_levels_pkey" PRIMARY KEY ("location_id","material_id")
);

-- CreateTable
CREATE TABLE "stock_items" (
    "id" SERIAL NOT NULL,
    "material_id" INTEGER NOT NULL,
    "serial" TEXT NOT NULL,
    "status" "StockItemStatus" NOT NULL DEFAULT 'IN_STOCK',
    "location_id" INTEGER,
    "connection_id" INTEGER,
    "work_order_id" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stock_moves" (
    "id" SERIAL NOT NULL,
    "kind" "StockMoveKind" NOT NULL,
    "material_id" INTEGER NOT NULL,
    "quantity" DECIMAL(12,2) NOT NULL,
    "from_location_id" INTEGER,
    "to_location_id" INTEGER,
    "item_id" INTEGER,
    "work_order_id" INTEGER,
    "connection_id" INTEGER,
    "actor_id" INTEGER,
    "reason" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_moves_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attachments" (
    "id" SERIAL NOT NULL,
    "kind" "AttachmentKind" NOT NULL,
    "work_order_id" INTEGER,
    "ticket_id" INTEGER,
    "file_name" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "storage_key" TEXT NOT NULL,
    "upload_key" TEXT,
    "uploaded_by_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attachments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "stock_locations_name_key" ON "stock_locations"("name");

-- CreateIndex
CREATE INDEX "stock_locations_technician_id_idx" ON "stock_locations"("technician_id");

-- CreateIndex
CREATE INDEX "stock_locations_team_id_idx" ON "stock_locations"("team_id");

-- CreateIndex
CREATE INDEX "stock_levels_material_id_idx" ON "stock_levels"("material_id");

-- CreateIndex
CREATE UNIQUE INDEX "stock_items_serial_key" ON "stock_items"("serial");

-- CreateIndex
CREATE INDEX "stock_items_location_id_status_idx" ON "stock_items"("location_id", "status");

-- CreateIndex
CREATE INDEX "stock_items_connection_id_idx" ON "stock_items"("connection_id");

-- CreateIndex
CREATE INDEX "stock_moves_item_id_at_idx" ON "stock_moves"("item_id", "at");

-- CreateIndex
CREATE INDEX "stock_moves_from_location_id_at_idx" ON "stock_moves"("from_location_id", "at");

-- CreateIndex
CREATE INDEX "stock_moves_to_location_id_at_idx" ON "stock_moves"("to_location_id", "at");

-- CreateIndex
CREATE INDEX "stock_moves_work_order_id_idx" ON "stock_moves"("work_order_id");

-- CreateIndex
CREATE UNIQUE INDEX "attachments_storage_key_key" ON "attachments"("storage_key");

-- CreateIndex
CREATE UNIQUE INDEX "attachments_upload_key_key" ON "attachments"("upload_key");

-- CreateIndex
CREATE INDEX "attachments_work_order_id_idx" ON "attachments"("work_order_id");

-- CreateIndex
CREATE INDEX "attachments_ticket_id_idx" ON "attachments"("ticket_id");

-- CreateIndex
CREATE UNIQUE INDEX "work_orders_completion_key_key" ON "work_orders"("completion_key");

-- AddForeignKey
ALTER TABLE "stock_locations" ADD CONSTRAINT "stock_locations_technician_id_fkey" FOREIGN KEY ("technician_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_locations" ADD CONSTRAINT "stock_locations_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "stock_locations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "materials"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_items" ADD CONSTRAINT "stock_items_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "materials"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_items" ADD CONSTRAINT "stock_items_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "stock_locations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_items" ADD CONSTRAINT "stock_items_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_items" ADD CONSTRAINT "stock_items_work_order_id_fkey" FOREIGN KEY ("work_order_id") REFERENCES "work_orders"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_moves" ADD CONSTRAINT "stock_moves_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "materials"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_moves" ADD CONSTRAINT "stock_moves_from_location_id_fkey" FOREIGN KEY ("from_location_id") REFERENCES "stock_locations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_moves" ADD CONSTRAINT "stock_moves_to_location_id_fkey" FOREIGN KEY ("to_location_id") REFERENCES "stock_locations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_moves" ADD CONSTRAINT "stock_moves_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "stock_items"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_moves" ADD CONSTRAINT "stock_moves_work_order_id_fkey" FOREIGN KEY ("work_order_id") REFERENCES "work_orders"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_moves" ADD CONSTRAINT "stock_moves_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_moves" ADD CONSTRAINT "stock_moves_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_work_order_id_fkey" FOREIGN KEY ("work_order_id") REFERENCES "work_orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_uploaded_by_id_fkey" FOREIGN KEY ("uploaded_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Stock never goes negative, whatever writes it.
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_quantity_not_negative" CHECK ("quantity" >= 0);
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_min_not_negative" CHECK ("min_quantity" IS NULL OR "min_quantity" >= 0);
-- An attachment belongs to a work order or a ticket.
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_owner" CHECK ("work_order_id" IS NOT NULL OR "ticket_id" IS NOT NULL);
