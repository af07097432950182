-- Emerald: initial schema.
-- Hand-written parts (Prisma does not model them, so they never show up as drift):
--   * extensions pg_trgm (fuzzy search) and unaccent (accent-insensitive search);
--   * emerald_normalize(), an IMMUTABLE lower(unaccent()) usable in triggers and indexes;
--   * triggers keeping the search_text columns up to date from each row's identifiers.
-- pg_trgm and unaccent are "trusted" extensions: a database owner may create them.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent(text) is only STABLE (its dictionary could be swapped); naming the dictionary
-- explicitly makes the result depend on the input alone.
CREATE OR REPLACE FUNCTION emerald_normalize(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$;

-- Identifiers typed in many shapes (MACs, CUITs) also match without separators.
CREATE OR REPLACE FUNCTION emerald_compact(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT regexp_replace(lower(value), '[^0-9a-z]', '', 'g') $$;

-- CreateEnum
CREATE TYPE "Source" AS ENUM ('ISPCUBE', 'ROUTEROS', 'SMARTOLT');

-- CreateEnum
CREATE TYPE "CustomerStatus" AS ENUM ('ENABLED', 'BLOCKED', 'NO_SERVICE', 'UNKNOWN');

-- CreateEnum
CREATE TYPE "OnuStatus" AS ENUM ('ONLINE', 'OFFLINE', 'LOS', 'POWER_FAIL', 'UNKNOWN');

-- CreateEnum
CREATE TYPE "SignalCategory" AS ENUM ('VERY_GOOD', 'GOOD', 'WARNING', 'CRITICAL', 'UNKNOWN');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'NOC', 'SUPPORT', 'TECHNICIAN');

-- CreateEnum
CREATE TYPE "ApiKeyScope" AS ENUM ('READ', 'WRITE');

-- CreateEnum
CREATE TYPE "TicketType" AS ENUM ('TECHNICAL', 'INSTALLATION', 'WITHDRAWAL', 'RELOCATION', 'ADMINISTRATIVE');

-- CreateEnum
CREATE TYPE "TicketStatus" AS ENUM ('OPEN', 'IN_PROGRESS', 'PENDING', 'WAITING_INTERNAL', 'RESOLVED', 'CLOSED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "TicketPriority" AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL');

-- CreateEnum
CREATE TYPE "TicketEventKind" AS ENUM ('CREATED', 'NOTE', 'STATUS_CHANGE', 'PRIORITY_CHANGE', 'ASSIGNMENT', 'SYSTEM_EVIDENCE', 'WORK_ORDER');

-- CreateEnum
CREATE TYPE "WorkOrderType" AS ENUM ('REPAIR', 'INSTALL', 'PICKUP', 'INFRASTRUCTURE');

-- CreateEnum
CREATE TYPE "WorkOrderStatus" AS ENUM ('PENDING_PLANNING', 'SCHEDULED', 'IN_PROGRESS', 'COMPLETED', 'FAILED');

-- CreateEnum
CREATE TYPE "ResolutionType" AS ENUM ('FIBRE_REPAIRED', 'CONNECTOR_CLEANED', 'ONU_REPLACED', 'ROUTER_REPLACED', 'CONFIGURATION', 'INSTALLED', 'EQUIPMENT_PICKED_UP', 'NO_FAULT_FOUND', 'OTHER');

-- CreateEnum
CREATE TYPE "SyncScope" AS ENUM ('ALL', 'ROUTER', 'OLT', 'CUSTOMER');

-- CreateEnum
CREATE TYPE "SyncKind" AS ENUM ('INVENTORY', 'SESSIONS', 'ONU_STATUS', 'ONU_SIGNAL');

-- CreateEnum
CREATE TYPE "SyncRunStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'REJECTED');

-- CreateEnum
CREATE TYPE "IncidentKind" AS ENUM ('FIBRE_CUT', 'POWER_OUTAGE', 'ROUTER_OUTAGE');

-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('OPEN', 'CLEARED');

-- CreateTable
CREATE TABLE "customers" (
    "id" SERIAL NOT NULL,
    "external_id" TEXT NOT NULL,
    "code" TEXT,
    "name" TEXT NOT NULL,
    "doc_number" TEXT,
    "doc_type" TEXT,
    "customer_type" TEXT,
    "address" TEXT,
    "city" TEXT,
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "status" "CustomerStatus" NOT NULL DEFAULT 'UNKNOWN',
    "debt" DECIMAL(14,2) NOT NULL DEFAULT 0,
    "speed_limited" BOOLEAN NOT NULL DEFAULT false,
    "raw" JSONB NOT NULL,
    "search_text" TEXT,
    "gone_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer_phones" (
    "id" SERIAL NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "number" TEXT NOT NULL,
    "digits" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "customer_phones_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer_emails" (
    "id" SERIAL NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "email" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "customer_emails_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "plans" (
    "id" SERIAL NOT NULL,
    "external_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "speed" TEXT,
    "comment" TEXT,
    "raw" JSONB NOT NULL,
    "gone_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "plans_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routers" (
    "id" SERIAL NOT NULL,
    "external_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "api_port" INTEGER NOT NULL DEFAULT 8728,
    "identity" TEXT,
    "version" TEXT,
    "reachable" BOOLEAN,
    "last_contact_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "raw" JSONB NOT NULL,
    "gone_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "routers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "connections" (
    "id" SERIAL NOT NULL,
    "external_id" TEXT NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "router_id" INTEGER,
    "plan_id" INTEGER,
    "pppoe_username" TEXT,
    "username_key" TEXT,
    "conn_type" TEXT,
    "address" TEXT,
    "ip_address" TEXT,
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "raw" JSONB NOT NULL,
    "search_text" TEXT,
    "gone_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ppp_secrets" (
    "id" SERIAL NOT NULL,
    "router_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "connection_id" INTEGER,
    "profile" TEXT,
    "service" TEXT,
    "remote_address" TEXT,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "comment" TEXT,
    "last_logged_out" TIMESTAMPTZ(3),
    "last_caller_id" TEXT,
    "last_disconnect_reason" TEXT,
    "raw" JSONB NOT NULL,
    "search_text" TEXT,
    "gone_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ppp_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ppp_sessions" (
    "id" BIGSERIAL NOT NULL,
    "router_id" INTEGER NOT NULL,
    "session_key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "connection_id" INTEGER,
    "address" TEXT,
    "caller_id" TEXT,
    "service" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "observed_at" TIMESTAMPTZ(3) NOT NULL,
    "raw" JSONB NOT NULL,
    "search_text" TEXT,

    CONSTRAINT "ppp_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ppp_session_history" (
    "id" BIGSERIAL NOT NULL,
    "router_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "connection_id" INTEGER,
    "session_key" TEXT,
    "address" TEXT,
    "caller_id" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_seconds" INTEGER NOT NULL,
    "disconnect_reason" TEXT,
    "incident_id" INTEGER,

    CONSTRAINT "ppp_session_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "olts" (
    "id" SERIAL NOT NULL,
    "external_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "hardware" TEXT,
    "ip" TEXT,
    "raw" JSONB NOT NULL,
    "gone_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "olts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pon_ports" (
    "id" SERIAL NOT NULL,
    "olt_id" INTEGER NOT NULL,
    "board" INTEGER NOT NULL,
    "port" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pon_ports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "onus" (
    "id" SERIAL NOT NULL,
    "serial" TEXT NOT NULL,
    "external_id" TEXT,
    "olt_id" INTEGER NOT NULL,
    "pon_port_id" INTEGER,
    "onu_index" INTEGER,
    "onu_type" TEXT,
    "name" TEXT,
    "name_key" TEXT,
    "connection_id" INTEGER,
    "mode" TEXT,
    "vlan" TEXT,
    "zone" TEXT,
    "status" "OnuStatus" NOT NULL DEFAULT 'UNKNOWN',
    "status_changed_at" TIMESTAMPTZ(3),
    "status_observed_at" TIMESTAMPTZ(3),
    "signal_category" "SignalCategory" NOT NULL DEFAULT 'UNKNOWN',
    "rx_power" DOUBLE PRECISION,
    "olt_rx_power" DOUBLE PRECISION,
    "signal_observed_at" TIMESTAMPTZ(3),
    "raw" JSONB NOT NULL,
    "search_text" TEXT,
    "gone_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "onus_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "onu_status_events" (
    "id" BIGSERIAL NOT NULL,
    "onu_id" INTEGER NOT NULL,
    "status" "OnuStatus" NOT NULL,
    "previous_status" "OnuStatus",
    "changed_at" TIMESTAMPTZ(3) NOT NULL,
    "observed_at" TIMESTAMPTZ(3) NOT NULL,
    "source" "Source" NOT NULL DEFAULT 'SMARTOLT',
    "incident_id" INTEGER,

    CONSTRAINT "onu_status_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "onu_signal_samples" (
    "id" BIGSERIAL NOT NULL,
    "onu_id" INTEGER NOT NULL,
    "category" "SignalCategory" NOT NULL,
    "rx_power" DOUBLE PRECISION,
    "olt_rx_power" DOUBLE PRECISION,
    "observed_at" TIMESTAMPTZ(3) NOT NULL,
    "source" "Source" NOT NULL DEFAULT 'SMARTOLT',

    CONSTRAINT "onu_signal_samples_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "teams" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "role" "Role" NOT NULL,
    "team_id" INTEGER,
    "password_hash" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "locale" TEXT NOT NULL DEFAULT 'es',
    "failed_logins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "last_login_at" TIMESTAMPTZ(3),
    "password_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_sessions" (
    "id" SERIAL NOT NULL,
    "token_hash" TEXT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "user_agent" TEXT,
    "ip" TEXT,

    CONSTRAINT "user_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "scopes" "ApiKeyScope"[],
    "user_id" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ticket_categories" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "type" "TicketType" NOT NULL,

    CONSTRAINT "ticket_categories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ticket_reasons" (
    "id" SERIAL NOT NULL,
    "category_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "ticket_reasons_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tags" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "tags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tickets" (
    "id" SERIAL NOT NULL,
    "subject" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "type" "TicketType" NOT NULL,
    "status" "TicketStatus" NOT NULL DEFAULT 'OPEN',
    "priority" "TicketPriority" NOT NULL DEFAULT 'MEDIUM',
    "category_id" INTEGER,
    "reason_id" INTEGER,
    "customer_id" INTEGER,
    "connection_id" INTEGER,
    "creator_id" INTEGER NOT NULL,
    "assignee_id" INTEGER,
    "search_text" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "tickets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ticket_tags" (
    "ticket_id" INTEGER NOT NULL,
    "tag_id" INTEGER NOT NULL,

    CONSTRAINT "ticket_tags_pkey" PRIMARY KEY ("ticket_id","tag_id")
);

-- CreateTable
CREATE TABLE "ticket_events" (
    "id" BIGSERIAL NOT NULL,
    "ticket_id" INTEGER NOT NULL,
    "kind" "TicketEventKind" NOT NULL,
    "author_id" INTEGER,
    "body" TEXT NOT NULL DEFAULT '',
    "data" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ticket_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "work_orders" (
    "id" SERIAL NOT NULL,
    "ticket_id" INTEGER NOT NULL,
    "type" "WorkOrderType" NOT NULL,
    "status" "WorkOrderStatus" NOT NULL DEFAULT 'PENDING_PLANNING',
    "team_id" INTEGER,
    "technician_id" INTEGER,
    "scheduled_start" TIMESTAMPTZ(3),
    "duration_minutes" INTEGER,
    "notes" TEXT NOT NULL DEFAULT '',
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    "failure_reason" TEXT,
    "resolution_type" "ResolutionType",
    "resolution_notes" TEXT,
    "measured_rx_power" DOUBLE PRECISION,
    "installed_onu_serial" TEXT,
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "work_orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "materials" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "unit" TEXT NOT NULL,

    CONSTRAINT "materials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "work_order_materials" (
    "id" SERIAL NOT NULL,
    "work_order_id" INTEGER NOT NULL,
    "material_id" INTEGER NOT NULL,
    "quantity" DECIMAL(10,2) NOT NULL,

    CONSTRAINT "work_order_materials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "id" SERIAL NOT NULL,
    "source" "Source" NOT NULL,
    "kind" "SyncKind" NOT NULL,
    "scope" "SyncScope" NOT NULL,
    "scope_ref" TEXT,
    "status" "SyncRunStatus" NOT NULL DEFAULT 'QUEUED',
    "requested_by_id" INTEGER,
    "trigger" TEXT NOT NULL DEFAULT 'cron',
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "progress_done" INTEGER NOT NULL DEFAULT 0,
    "progress_total" INTEGER,
    "seen" INTEGER NOT NULL DEFAULT 0,
    "inserted" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "removed" INTEGER NOT NULL DEFAULT 0,
    "error_code" TEXT,
    "error_message" TEXT,
    "details" JSONB,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "sync_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "source_freshness" (
    "source" "Source" NOT NULL,
    "kind" "SyncKind" NOT NULL,
    "scope_key" TEXT NOT NULL,
    "last_success_at" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_error_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "last_row_count" INTEGER,

    CONSTRAINT "source_freshness_pkey" PRIMARY KEY ("source","kind","scope_key")
);

-- CreateTable
CREATE TABLE "vendor_call_budget" (
    "source" "Source" NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "call_limit" INTEGER NOT NULL,
    "rate_limited_until" TIMESTAMPTZ(3),

    CONSTRAINT "vendor_call_budget_pkey" PRIMARY KEY ("source","window_start")
);

-- CreateTable
CREATE TABLE "vendor_tokens" (
    "source" "Source" NOT NULL,
    "token" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vendor_tokens_pkey" PRIMARY KEY ("source")
);

-- CreateTable
CREATE TABLE "incidents" (
    "id" SERIAL NOT NULL,
    "kind" "IncidentKind" NOT NULL,
    "status" "IncidentStatus" NOT NULL DEFAULT 'OPEN',
    "olt_id" INTEGER,
    "pon_port_id" INTEGER,
    "router_id" INTEGER,
    "title" TEXT NOT NULL,
    "affected_count" INTEGER NOT NULL DEFAULT 0,
    "recovered_count" INTEGER NOT NULL DEFAULT 0,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "cleared_at" TIMESTAMPTZ(3),
    "duration_seconds" INTEGER,
    "details" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_connections" (
    "id" SERIAL NOT NULL,
    "incident_id" INTEGER NOT NULL,
    "connection_id" INTEGER,
    "onu_id" INTEGER,
    "subject" TEXT NOT NULL,
    "affected_at" TIMESTAMPTZ(3) NOT NULL,
    "recovered_at" TIMESTAMPTZ(3),

    CONSTRAINT "incident_connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "worker_heartbeats" (
    "worker_id" TEXT NOT NULL,
    "process_id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "worker_heartbeats_pkey" PRIMARY KEY ("worker_id")
);

-- CreateTable
CREATE TABLE "audit_entries" (
    "id" BIGSERIAL NOT NULL,
    "actor_id" INTEGER,
    "api_key_id" INTEGER,
    "actor_label" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity_type" TEXT,
    "entity_id" TEXT,
    "before" JSONB,
    "after" JSONB,
    "ip" TEXT,
    "request_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "customers_external_id_key" ON "customers"("external_id");

-- CreateIndex
CREATE INDEX "customers_doc_number_idx" ON "customers"("doc_number");

-- CreateIndex
CREATE INDEX "customers_code_idx" ON "customers"("code");

-- CreateIndex
CREATE INDEX "customers_status_idx" ON "customers"("status");

-- CreateIndex
CREATE INDEX "customers_search_trgm" ON "customers" USING GIN ("search_text" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "customer_phones_digits_trgm" ON "customer_phones" USING GIN ("digits" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "customer_phones_customer_id_position_key" ON "customer_phones"("customer_id", "position");

-- CreateIndex
CREATE INDEX "customer_emails_email_trgm" ON "customer_emails" USING GIN ("email" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "customer_emails_customer_id_position_key" ON "customer_emails"("customer_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "plans_external_id_key" ON "plans"("external_id");

-- CreateIndex
CREATE UNIQUE INDEX "routers_external_id_key" ON "routers"("external_id");

-- CreateIndex
CREATE UNIQUE INDEX "connections_external_id_key" ON "connections"("external_id");

-- CreateIndex
CREATE INDEX "connections_customer_id_idx" ON "connections"("customer_id");

-- CreateIndex
CREATE INDEX "connections_router_id_idx" ON "connections"("router_id");

-- CreateIndex
CREATE INDEX "connections_pppoe_username_idx" ON "connections"("pppoe_username");

-- CreateIndex
CREATE INDEX "connections_username_key_idx" ON "connections"("username_key");

-- CreateIndex
CREATE INDEX "connections_ip_address_idx" ON "connections"("ip_address");

-- CreateIndex
CREATE INDEX "connections_search_trgm" ON "connections" USING GIN ("search_text" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "ppp_secrets_name_idx" ON "ppp_secrets"("name");

-- CreateIndex
CREATE INDEX "ppp_secrets_connection_id_idx" ON "ppp_secrets"("connection_id");

-- CreateIndex
CREATE INDEX "ppp_secrets_search_trgm" ON "ppp_secrets" USING GIN ("search_text" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "ppp_secrets_router_id_name_key" ON "ppp_secrets"("router_id", "name");

-- CreateIndex
CREATE INDEX "ppp_sessions_router_id_name_idx" ON "ppp_sessions"("router_id", "name");

-- CreateIndex
CREATE INDEX "ppp_sessions_name_idx" ON "ppp_sessions"("name");

-- CreateIndex
CREATE INDEX "ppp_sessions_address_idx" ON "ppp_sessions"("address");

-- CreateIndex
CREATE INDEX "ppp_sessions_connection_id_idx" ON "ppp_sessions"("connection_id");

-- CreateIndex
CREATE INDEX "ppp_sessions_search_trgm" ON "ppp_sessions" USING GIN ("search_text" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "ppp_sessions_router_id_session_key_key" ON "ppp_sessions"("router_id", "session_key");

-- CreateIndex
CREATE INDEX "ppp_session_history_connection_id_ended_at_idx" ON "ppp_session_history"("connection_id", "ended_at" DESC);

-- CreateIndex
CREATE INDEX "ppp_session_history_router_id_name_ended_at_idx" ON "ppp_session_history"("router_id", "name", "ended_at" DESC);

-- CreateIndex
CREATE INDEX "ppp_session_history_ended_at_idx" ON "ppp_session_history"("ended_at");

-- CreateIndex
CREATE UNIQUE INDEX "olts_external_id_key" ON "olts"("external_id");

-- CreateIndex
CREATE UNIQUE INDEX "pon_ports_olt_id_board_port_key" ON "pon_ports"("olt_id", "board", "port");

-- CreateIndex
CREATE UNIQUE INDEX "onus_serial_key" ON "onus"("serial");

-- CreateIndex
CREATE INDEX "onus_status_idx" ON "onus"("status");

-- CreateIndex
CREATE INDEX "onus_pon_port_id_status_idx" ON "onus"("pon_port_id", "status");

-- CreateIndex
CREATE INDEX "onus_olt_id_status_idx" ON "onus"("olt_id", "status");

-- CreateIndex
CREATE INDEX "onus_signal_category_idx" ON "onus"("signal_category");

-- CreateIndex
CREATE INDEX "onus_connection_id_idx" ON "onus"("connection_id");

-- CreateIndex
CREATE INDEX "onus_external_id_idx" ON "onus"("external_id");

-- CreateIndex
CREATE INDEX "onus_name_key_idx" ON "onus"("name_key");

-- CreateIndex
CREATE INDEX "onus_search_trgm" ON "onus" USING GIN ("search_text" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "onu_status_events_onu_id_changed_at_idx" ON "onu_status_events"("onu_id", "changed_at" DESC);

-- CreateIndex
CREATE INDEX "onu_status_events_changed_at_idx" ON "onu_status_events"("changed_at");

-- CreateIndex
CREATE INDEX "onu_status_events_incident_id_idx" ON "onu_status_events"("incident_id");

-- CreateIndex
CREATE INDEX "onu_signal_samples_onu_id_observed_at_idx" ON "onu_signal_samples"("onu_id", "observed_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "teams_name_key" ON "teams"("name");

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "user_sessions_token_hash_key" ON "user_sessions"("token_hash");

-- CreateIndex
CREATE INDEX "user_sessions_user_id_idx" ON "user_sessions"("user_id");

-- CreateIndex
CREATE INDEX "user_sessions_expires_at_idx" ON "user_sessions"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");

-- CreateIndex
CREATE INDEX "api_keys_user_id_idx" ON "api_keys"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "ticket_categories_name_key" ON "ticket_categories"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ticket_reasons_category_id_name_key" ON "ticket_reasons"("category_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "tags_name_key" ON "tags"("name");

-- CreateIndex
CREATE INDEX "tickets_status_priority_idx" ON "tickets"("status", "priority");

-- CreateIndex
CREATE INDEX "tickets_connection_id_created_at_idx" ON "tickets"("connection_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "tickets_customer_id_idx" ON "tickets"("customer_id");

-- CreateIndex
CREATE INDEX "tickets_assignee_id_status_idx" ON "tickets"("assignee_id", "status");

-- CreateIndex
CREATE INDEX "tickets_created_at_idx" ON "tickets"("created_at");

-- CreateIndex
CREATE INDEX "tickets_search_trgm" ON "tickets" USING GIN ("search_text" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "ticket_tags_tag_id_idx" ON "ticket_tags"("tag_id");

-- CreateIndex
CREATE INDEX "ticket_events_ticket_id_created_at_idx" ON "ticket_events"("ticket_id", "created_at");

-- CreateIndex
CREATE INDEX "work_orders_status_scheduled_start_idx" ON "work_orders"("status", "scheduled_start");

-- CreateIndex
CREATE INDEX "work_orders_technician_id_scheduled_start_idx" ON "work_orders"("technician_id", "scheduled_start");

-- CreateIndex
CREATE INDEX "work_orders_team_id_scheduled_start_idx" ON "work_orders"("team_id", "scheduled_start");

-- CreateIndex
CREATE INDEX "work_orders_ticket_id_idx" ON "work_orders"("ticket_id");

-- CreateIndex
CREATE UNIQUE INDEX "materials_code_key" ON "materials"("code");

-- CreateIndex
CREATE UNIQUE INDEX "work_order_materials_work_order_id_material_id_key" ON "work_order_materials"("work_order_id", "material_id");

-- CreateIndex
CREATE INDEX "sync_runs_source_kind_queued_at_idx" ON "sync_runs"("source", "kind", "queued_at" DESC);

-- CreateIndex
CREATE INDEX "sync_runs_status_idx" ON "sync_runs"("status");

-- CreateIndex
CREATE INDEX "incidents_status_opened_at_idx" ON "incidents"("status", "opened_at" DESC);

-- CreateIndex
CREATE INDEX "incidents_pon_port_id_status_idx" ON "incidents"("pon_port_id", "status");

-- CreateIndex
CREATE INDEX "incidents_router_id_status_idx" ON "incidents"("router_id", "status");

-- CreateIndex
CREATE INDEX "incident_connections_connection_id_idx" ON "incident_connections"("connection_id");

-- CreateIndex
CREATE INDEX "incident_connections_onu_id_idx" ON "incident_connections"("onu_id");

-- CreateIndex
CREATE UNIQUE INDEX "incident_connections_incident_id_subject_key" ON "incident_connections"("incident_id", "subject");

-- CreateIndex
CREATE INDEX "worker_heartbeats_last_seen_at_idx" ON "worker_heartbeats"("last_seen_at");

-- CreateIndex
CREATE INDEX "audit_entries_created_at_idx" ON "audit_entries"("created_at");

-- CreateIndex
CREATE INDEX "audit_entries_entity_type_entity_id_idx" ON "audit_entries"("entity_type", "entity_id");

-- CreateIndex
CREATE INDEX "audit_entries_actor_id_created_at_idx" ON "audit_entries"("actor_id", "created_at");

-- AddForeignKey
ALTER TABLE "customer_phones" ADD CONSTRAINT "customer_phones_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_emails" ADD CONSTRAINT "customer_emails_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connections" ADD CONSTRAINT "connections_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connections" ADD CONSTRAINT "connections_router_id_fkey" FOREIGN KEY ("router_id") REFERENCES "routers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connections" ADD CONSTRAINT "connections_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ppp_secrets" ADD CONSTRAINT "ppp_secrets_router_id_fkey" FOREIGN KEY ("router_id") REFERENCES "routers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ppp_secrets" ADD CONSTRAINT "ppp_secrets_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ppp_sessions" ADD CONSTRAINT "ppp_sessions_router_id_fkey" FOREIGN KEY ("router_id") REFERENCES "routers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ppp_sessions" ADD CONSTRAINT "ppp_sessions_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ppp_session_history" ADD CONSTRAINT "ppp_session_history_router_id_fkey" FOREIGN KEY ("router_id") REFERENCES "routers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ppp_session_history" ADD CONSTRAINT "ppp_session_history_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ppp_session_history" ADD CONSTRAINT "ppp_session_history_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pon_ports" ADD CONSTRAINT "pon_ports_olt_id_fkey" FOREIGN KEY ("olt_id") REFERENCES "olts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "onus" ADD CONSTRAINT "onus_olt_id_fkey" FOREIGN KEY ("olt_id") REFERENCES "olts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "onus" ADD CONSTRAINT "onus_pon_port_id_fkey" FOREIGN KEY ("pon_port_id") REFERENCES "pon_ports"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "onus" ADD CONSTRAINT "onus_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "onu_status_events" ADD CONSTRAINT "onu_status_events_onu_id_fkey" FOREIGN KEY ("onu_id") REFERENCES "onus"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "onu_status_events" ADD CONSTRAINT "onu_status_events_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "onu_signal_samples" ADD CONSTRAINT "onu_signal_samples_onu_id_fkey" FOREIGN KEY ("onu_id") REFERENCES "onus"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_sessions" ADD CONSTRAINT "user_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ticket_reasons" ADD CONSTRAINT "ticket_reasons_category_id_fkey" FOREIGN KEY ("category_id") REFERENCES "ticket_categories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_category_id_fkey" FOREIGN KEY ("category_id") REFERENCES "ticket_categories"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_reason_id_fkey" FOREIGN KEY ("reason_id") REFERENCES "ticket_reasons"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_assignee_id_fkey" FOREIGN KEY ("assignee_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ticket_tags" ADD CONSTRAINT "ticket_tags_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ticket_tags" ADD CONSTRAINT "ticket_tags_tag_id_fkey" FOREIGN KEY ("tag_id") REFERENCES "tags"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ticket_events" ADD CONSTRAINT "ticket_events_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ticket_events" ADD CONSTRAINT "ticket_events_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_orders" ADD CONSTRAINT "work_orders_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_orders" ADD CONSTRAINT "work_orders_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_orders" ADD CONSTRAINT "work_orders_technician_id_fkey" FOREIGN KEY ("technician_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_orders" ADD CONSTRAINT "work_orders_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_order_materials" ADD CONSTRAINT "work_order_materials_work_order_id_fkey" FOREIGN KEY ("work_order_id") REFERENCES "work_orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_order_materials" ADD CONSTRAINT "work_order_materials_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "materials"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_olt_id_fkey" FOREIGN KEY ("olt_id") REFERENCES "olts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_pon_port_id_fkey" FOREIGN KEY ("pon_port_id") REFERENCES "pon_ports"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_router_id_fkey" FOREIGN KEY ("router_id") REFERENCES "routers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_connections" ADD CONSTRAINT "incident_connections_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_connections" ADD CONSTRAINT "incident_connections_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_connections" ADD CONSTRAINT "incident_connections_onu_id_fkey" FOREIGN KEY ("onu_id") REFERENCES "onus"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- ───────────── search_text triggers ─────────────

CREATE OR REPLACE FUNCTION customers_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := emerald_normalize(concat_ws(' ', NEW.name, NEW.code, NEW.doc_number, NEW.address, NEW.city));
  RETURN NEW;
END $$;
CREATE TRIGGER customers_search_text BEFORE INSERT OR UPDATE OF name, code, doc_number, address, city
  ON customers FOR EACH ROW EXECUTE FUNCTION customers_search_text();

CREATE OR REPLACE FUNCTION connections_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := emerald_normalize(concat_ws(' ', NEW.pppoe_username, NEW.ip_address, NEW.address));
  NEW.username_key := lower(btrim(NEW.pppoe_username));
  RETURN NEW;
END $$;
CREATE TRIGGER connections_search_text BEFORE INSERT OR UPDATE OF pppoe_username, ip_address, address
  ON connections FOR EACH ROW EXECUTE FUNCTION connections_search_text();

CREATE OR REPLACE FUNCTION ppp_secrets_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := emerald_normalize(concat_ws(' ', NEW.name, NEW.remote_address, NEW.last_caller_id,
    emerald_compact(NEW.last_caller_id), NEW.comment));
  RETURN NEW;
END $$;
CREATE TRIGGER ppp_secrets_search_text BEFORE INSERT OR UPDATE OF name, remote_address, last_caller_id, comment
  ON ppp_secrets FOR EACH ROW EXECUTE FUNCTION ppp_secrets_search_text();

CREATE OR REPLACE FUNCTION ppp_sessions_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := emerald_normalize(concat_ws(' ', NEW.name, NEW.address, NEW.caller_id, emerald_compact(NEW.caller_id)));
  RETURN NEW;
END $$;
CREATE TRIGGER ppp_sessions_search_text BEFORE INSERT OR UPDATE OF name, address, caller_id
  ON ppp_sessions FOR EACH ROW EXECUTE FUNCTION ppp_sessions_search_text();

CREATE OR REPLACE FUNCTION onus_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := emerald_normalize(concat_ws(' ', NEW.serial, NEW.name, NEW.external_id));
  NEW.name_key := nullif(lower(btrim(NEW.name)), '');
  RETURN NEW;
END $$;
CREATE TRIGGER onus_search_text BEFORE INSERT OR UPDATE OF serial, name, external_id
  ON onus FOR EACH ROW EXECUTE FUNCTION onus_search_text();

CREATE OR REPLACE FUNCTION tickets_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := emerald_normalize(concat_ws(' ', '#' || NEW.id::text, NEW.subject, NEW.description));
  RETURN NEW;
END $$;
CREATE TRIGGER tickets_search_text BEFORE INSERT OR UPDATE OF subject, description
  ON tickets FOR EACH ROW EXECUTE FUNCTION tickets_search_text();
