-- AlterTable
ALTER TABLE "notification_rules" ALTER COLUMN "kinds" SET DEFAULT ARRAY[]::"IncidentKind"[],
ALTER COLUMN "events" SET DEFAULT ARRAY[]::"NotificationEvent"[],
ALTER COLUMN "olt_ids" SET DEFAULT ARRAY[]::INTEGER[],
ALTER COLUMN "router_ids" SET DEFAULT ARRAY[]::INTEGER[],
ALTER COLUMN "zones" SET DEFAULT ARRAY[]::TEXT[],
ALTER COLUMN "days" SET DEFAULT ARRAY[]::INTEGER[],
ALTER COLUMN "user_ids" SET DEFAULT ARRAY[]::INTEGER[],
ALTER COLUMN "roles" SET DEFAULT ARRAY[]::"Role"[],
ALTER COLUMN "team_ids" SET DEFAULT ARRAY[]::INTEGER[],
ALTER COLUMN "channels" SET DEFAULT ARRAY[]::"NotificationChannel"[],
ALTER COLUMN "webhook_ids" SET DEFAULT ARRAY[]::INTEGER[],
ALTER COLUMN "escalate_user_ids" SET DEFAULT ARRAY[]::INTEGER[],
ALTER COLUMN "escalate_roles" SET DEFAULT ARRAY[]::"Role"[];

-- Rules inserted outside Prisma before these defaults had NULL lists: "any" is the empty list.
UPDATE "notification_rules" SET
  "kinds" = coalesce("kinds", '{}'), "events" = coalesce("events", '{}'), "olt_ids" = coalesce("olt_ids", '{}'),
  "router_ids" = coalesce("router_ids", '{}'), "zones" = coalesce("zones", '{}'), "days" = coalesce("days", '{}'),
  "user_ids" = coalesce("user_ids", '{}'), "roles" = coalesce("roles", '{}'), "team_ids" = coalesce("team_ids", '{}'),
  "channels" = coalesce("channels", '{}'), "webhook_ids" = coalesce("webhook_ids", '{}'),
  "escalate_user_ids" = coalesce("escalate_user_ids", '{}'), "escalate_roles" = coalesce("escalate_roles", '{}');
