-- AlterTable
ALTER TABLE "materials" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "tags" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "teams" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "leader_id" INTEGER;

-- AlterTable
ALTER TABLE "ticket_categories" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "name_en" TEXT;

-- AlterTable
ALTER TABLE "ticket_reasons" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "name_en" TEXT;

-- AddForeignKey
ALTER TABLE "teams" ADD CONSTRAINT "teams_leader_id_fkey" FOREIGN KEY ("leader_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Default ticket categories and reasons (Spanish, with English names), so that a new
-- production database can take tickets before an admin has set anything up. Admins
-- rename or deactivate them (Admin → Catalogues); existing rows are left alone.
INSERT INTO "ticket_categories" ("name", "name_en", "type") VALUES
  ('Sin servicio', 'No service', 'TECHNICAL'),
  ('Servicio lento', 'Slow service', 'TECHNICAL'),
  ('Instalación', 'Installation', 'INSTALLATION'),
  ('Mudanza', 'Relocation', 'RELOCATION'),
  ('Baja', 'Cancellation', 'WITHDRAWAL'),
  ('Administrativo', 'Administrative', 'ADMINISTRATIVE')
ON CONFLICT ("name") DO UPDATE SET "name_en" = COALESCE("ticket_categories"."name_en", EXCLUDED."name_en");

INSERT INTO "ticket_reasons" ("category_id", "name", "name_en")
SELECT c."id", r."name", r."name_en"
FROM (VALUES
  ('Sin servicio', 'LOS en ONU', 'ONU in LOS'),
  ('Sin servicio', 'ONU sin energía', 'ONU without power'),
  ('Sin servicio', 'PPPoE no conecta', 'PPPoE does not connect'),
  ('Sin servicio', 'Corte masivo', 'Mass outage'),
  ('Servicio lento', 'Señal óptica baja', 'Low optical signal'),
  ('Servicio lento', 'Wi-Fi del cliente', 'Customer''s Wi-Fi'),
  ('Servicio lento', 'Microcortes', 'Intermittent drops'),
  ('Instalación', 'Alta nueva', 'New installation'),
  ('Instalación', 'Cambio de equipo', 'Equipment replacement'),
  ('Mudanza', 'Cambio de domicilio', 'Change of address'),
  ('Baja', 'Baja voluntaria', 'Voluntary cancellation'),
  ('Baja', 'Retiro de equipos', 'Equipment pickup'),
  ('Administrativo', 'Facturación', 'Billing'),
  ('Administrativo', 'Cambio de plan', 'Plan change'),
  ('Administrativo', 'Deuda', 'Overdue balance')
) AS r ("category", "name", "name_en")
JOIN "ticket_categories" c ON c."name" = r."category"
ON CONFLICT ("category_id", "name") DO UPDATE SET "name_en" = COALESCE("ticket_reasons"."name_en", EXCLUDED."name_en");
