-- AlterTable
ALTER TABLE "connections" ADD COLUMN     "row_hash" TEXT;

-- AlterTable
ALTER TABLE "customers" ADD COLUMN     "row_hash" TEXT;

-- AlterTable
ALTER TABLE "onus" ADD COLUMN     "row_hash" TEXT;

-- AlterTable
ALTER TABLE "ppp_secrets" ADD COLUMN     "row_hash" TEXT;
