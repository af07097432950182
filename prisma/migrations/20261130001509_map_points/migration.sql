-- CreateTable
CREATE TABLE "map_points" (
    "connection_id" INTEGER NOT NULL,
    "latitude" DOUBLE PRECISION NOT NULL,
    "longitude" DOUBLE PRECISION NOT NULL,
    "state" TEXT NOT NULL,

    CONSTRAINT "map_points_pkey" PRIMARY KEY ("connection_id")
);

-- CreateIndex
CREATE INDEX "map_points_longitude_latitude_idx" ON "map_points"("longitude", "latitude");

-- AddForeignKey
ALTER TABLE "map_points" ADD CONSTRAINT "map_points_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Keep map_points current, set-based: statement triggers with transition tables recompute
-- only the connections a statement touched (a sync of 100k rows is one INSERT … SELECT;
-- a signal-only ONU update recomputes nothing). A restore sets emerald.restoring = 'on'
-- and loads the table as it was backed up.
CREATE FUNCTION map_points_refresh(ids INTEGER[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM map_points m
   WHERE m.connection_id = ANY(ids)
     AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.id = m.connection_id AND c.gone_at IS NULL
                       AND c.latitude IS NOT NULL AND c.longitude IS NOT NULL);
  INSERT INTO map_points (connection_id, latitude, longitude, state)
  SELECT c.id, c.latitude, c.longitude,
         coalesce(
           (SELECT (ARRAY['LOS', 'POWER_FAIL', 'OFFLINE', 'UNKNOWN', 'ONLINE'])[
                     min(CASE o.status WHEN 'LOS' THEN 1 WHEN 'POWER_FAIL' THEN 2 WHEN 'OFFLINE' THEN 3 WHEN 'UNKNOWN' THEN 4 ELSE 5 END)]
              FROM onus o WHERE o.connection_id = c.id AND o.gone_at IS NULL),
           CASE WHEN EXISTS (SELECT 1 FROM ppp_sessions s WHERE s.connection_id = c.id) THEN 'ONLINE' ELSE 'OFFLINE' END)
    FROM connections c
   WHERE c.id = ANY(ids) AND c.gone_at IS NULL AND c.latitude IS NOT NULL AND c.longitude IS NOT NULL
  ON CONFLICT (connection_id) DO UPDATE
     SET latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude, state = EXCLUDED.state
   WHERE (map_points.latitude, map_points.longitude, map_points.state)
         IS DISTINCT FROM (EXCLUDED.latitude, EXCLUDED.longitude, EXCLUDED.state);
$$;

CREATE FUNCTION map_points_restoring() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('emerald.restoring', true), '') = 'on'
$$;

CREATE FUNCTION map_points_on_connections() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF map_points_restoring() THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM map_points_refresh(ARRAY(SELECT id FROM new_rows));
  ELSE
    PERFORM map_points_refresh(ARRAY(
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE (n.latitude, n.longitude, n.gone_at) IS DISTINCT FROM (o.latitude, o.longitude, o.gone_at)));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION map_points_on_onus() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF map_points_restoring() THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM map_points_refresh(ARRAY(SELECT DISTINCT connection_id FROM new_rows WHERE connection_id IS NOT NULL));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM map_points_refresh(ARRAY(SELECT DISTINCT connection_id FROM old_rows WHERE connection_id IS NOT NULL));
  ELSE
    PERFORM map_points_refresh(ARRAY(
      SELECT x FROM new_rows n JOIN old_rows o ON o.id = n.id, LATERAL (VALUES (n.connection_id), (o.connection_id)) v(x)
       WHERE x IS NOT NULL
         AND (n.status, n.connection_id, n.gone_at) IS DISTINCT FROM (o.status, o.connection_id, o.gone_at)));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION map_points_on_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF map_points_restoring() THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM map_points_refresh(ARRAY(SELECT DISTINCT connection_id FROM new_rows WHERE connection_id IS NOT NULL));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM map_points_refresh(ARRAY(SELECT DISTINCT connection_id FROM old_rows WHERE connection_id IS NOT NULL));
  ELSE
    PERFORM map_points_refresh(ARRAY(
      SELECT x FROM new_rows n JOIN old_rows o ON o.id = n.id, LATERAL (VALUES (n.connection_id), (o.connection_id)) v(x)
       WHERE x IS NOT NULL AND n.connection_id IS DISTINCT FROM o.connection_id));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER map_points_connections_insert AFTER INSERT ON connections
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_points_on_connections();
CREATE TRIGGER map_points_connections_update AFTER UPDATE ON connections
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_points_on_connections();

CREATE TRIGGER map_points_onus_insert AFTER INSERT ON onus
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_points_on_onus();
CREATE TRIGGER map_points_onus_update AFTER UPDATE ON onus
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_points_on_onus();
CREATE TRIGGER map_points_onus_delete AFTER DELETE ON onus
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION map_points_on_onus();

CREATE TRIGGER map_points_sessions_insert AFTER INSERT ON ppp_sessions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_points_on_sessions();
CREATE TRIGGER map_points_sessions_update AFTER UPDATE ON ppp_sessions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_points_on_sessions();
CREATE TRIGGER map_points_sessions_delete AFTER DELETE ON ppp_sessions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION map_points_on_sessions();

-- Existing installs: fill it once.
SELECT map_points_refresh(ARRAY(SELECT id FROM connections));
