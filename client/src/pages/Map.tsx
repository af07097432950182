/**
 * The map (Leaflet): connections coloured by live state, clustered by the server when many;
 * PON ports where their customers are; open incidents as the area of the customers they
 * affect, redrawn as they change; a technician's day as a route of stops. Works with no
 * basemap (MAP_STYLE_URL=off, or tiles unreachable): everything Emerald draws is its own.
 * Technicians see only their own route.
 */
import 'leaflet/dist/leaflet.css';
import { Anchor, Badge, Card, Checkbox, Group, List, Select, Stack, Text, Title } from '@mantine/core';
import L from 'leaflet';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClient, useQuery, useSubscription } from 'urql';
import { Link, useSearch } from 'wouter';
import { graphql } from '../gql/index.ts';
import type { MapViewQuery, MapState } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import type { Me } from '../me.ts';
import { useResync } from '../useResync.ts';

const SettingsDoc = graphql(`query MapSettings { mapSettings { tileUrl attribution } }`);

const ViewDoc = graphql(`
  query MapView($bbox: BoundingBoxInput!, $zoom: Int!) {
    map(bbox: $bbox, zoom: $zoom) {
      total clustered
      points { connectionId latitude longitude state customerName pppoeUsername }
      clusters { latitude longitude count counts { online offline los powerFail unknown } bounds { west south east north } }
    }
  }
`);

const NetworkDoc = graphql(`
  query MapNetwork($bbox: BoundingBoxInput!) {
    mapPonPorts(bbox: $bbox) { ponPortId label oltName latitude longitude onus down }
    mapExtent { west south east north }
    mapOlts { oltId name latitude longitude onus down }
    unlocatedConnections(first: 20) { totalCount nodes { id pppoeUsername customer { name } } }
  }
`);

const IncidentsDoc = graphql(`
  query MapIncidents {
    incidents(first: 50, active: true) {
      nodes { id number title kind affectedCount area { ring { latitude longitude } center { latitude longitude } located unlocated } }
    }
  }
`);

const FocusDoc = graphql(`query MapFocus($id: ID!) { connection(id: $id) { id latitude longitude pppoeUsername customer { name } } }`);

const TechniciansDoc = graphql(`query MapTechnicians { users(first: 100, role: [TECHNICIAN]) { nodes { id name } } }`);

const RouteDoc = graphql(`
  query MapRoute($filter: WorkOrderFilter) {
    workOrders(first: 50, filter: $filter) {
      nodes { id number status scheduledStart technician { name } ticket { connection { id latitude longitude address } customer { name } } }
    }
  }
`);

const LiveOnusDoc = graphql(`subscription MapOnus { onuStatusChanged { resync onus { id } } }`);
const LiveIncidentsDoc = graphql(`subscription MapIncidentsLive { incidentChanged { resync incidents { id } } }`);

/** Colours with at least 3:1 contrast against both the light and the plain background. */
export const STATE_COLOUR: Record<MapState, string> = {
  ONLINE: '#0b7a55',
  OFFLINE: '#5c5f66',
  LOS: '#c92a2a',
  POWER_FAIL: '#b35c00',
  UNKNOWN: '#7048b6',
};
const STATES: MapState[] = ['ONLINE', 'OFFLINE', 'LOS', 'POWER_FAIL', 'UNKNOWN'];

type Cluster = MapViewQuery['map']['clusters'][number];

/** A cluster's colour: red when a good share is down by fibre, amber for power, else green. */
function clusterColour(c: Cluster): string {
  const bad = c.counts.los + c.counts.powerFail + c.counts.offline;
  if (c.counts.los >= Math.max(3, c.count * 0.2)) return STATE_COLOUR.LOS;
  if (c.counts.powerFail >= Math.max(3, c.count * 0.2)) return STATE_COLOUR.POWER_FAIL;
  return bad > c.count * 0.3 ? STATE_COLOUR.OFFLINE : STATE_COLOUR.ONLINE;
}

const DEFAULT_VIEW = { lat: -31.35, lng: -64.35, zoom: 10 };

function todayRange(offset = 0): { from: string; to: string } {
  const d = new Date();
  const from = new Date(d.getFullYear(), d.getMonth(), d.getDate() + offset);
  return { from: from.toISOString(), to: new Date(from.getFullYear(), from.getMonth(), from.getDate() + 1).toISOString() };
}

export default function MapPage({ me }: { me: Me }) {
  const { t, date } = useI18n();
  const staff = me.role !== 'TECHNICIAN';
  const params = new URLSearchParams(useSearch());
  const focusId = params.get('connection');
  const client = useClient();
  const holder = useRef<HTMLElement>(null);
  const mapRef = useRef<L.Map | null>(null);
  const layers = useRef<{
    points: L.LayerGroup;
    network: L.LayerGroup;
    incidents: L.LayerGroup;
    route: L.LayerGroup;
    focus: L.LayerGroup;
  } | null>(null);
  const [settings] = useQuery({ query: SettingsDoc });
  const [view, setView] = useState<MapViewQuery['map'] | null>(null);
  const [show, setShow] = useState({ customers: staff, ports: staff, incidents: staff });
  const [technician, setTechnician] = useState<string | null>(staff ? null : me.id);
  const [day, setDay] = useState<'0' | '1'>('0');
  const [incidents, refetchIncidents] = useQuery({ query: IncidentsDoc, pause: !staff });
  const [network, refetchNetwork] = useQuery({
    query: NetworkDoc,
    variables: { bbox: { west: -180, south: -90, east: 180, north: 90 } },
    pause: !staff,
  });
  const [techs] = useQuery({ query: TechniciansDoc, pause: !staff });
  const routeFilter = useMemo(
    () => (technician ? { ...(staff ? { technicianId: technician } : { mine: true }), ...todayRange(Number(day)) } : null),
    [technician, day, staff],
  );
  const [route] = useQuery({ query: RouteDoc, variables: { filter: routeFilter ?? {} }, pause: !routeFilter });
  const [focus] = useQuery({ query: FocusDoc, variables: { id: focusId ?? '' }, pause: !focusId });

  // The map itself, once: the URL only sets where it starts.
  // biome-ignore lint/correctness/useExhaustiveDependencies: created once
  useEffect(() => {
    if (!holder.current || mapRef.current) return;
    const lat = Number(params.get('lat'));
    const lng = Number(params.get('lng'));
    const map = L.map(holder.current, { zoomControl: true, preferCanvas: false }).setView(
      Number.isFinite(lat) && lat !== 0 && Number.isFinite(lng) && lng !== 0 ? [lat, lng] : [DEFAULT_VIEW.lat, DEFAULT_VIEW.lng],
      Number(params.get('z')) || DEFAULT_VIEW.zoom,
    );
    layers.current = {
      network: L.layerGroup().addTo(map),
      points: L.layerGroup().addTo(map),
      incidents: L.layerGroup().addTo(map),
      route: L.layerGroup().addTo(map),
      focus: L.layerGroup().addTo(map),
    };
    mapRef.current = map;
    return () => {
      map.remove();
      mapRef.current = null;
    };
  }, []);

  // Opened without a place: show where the customers are.
  const fitted = useRef(Boolean(params.get('lat') || focusId));
  useEffect(() => {
    const map = mapRef.current;
    const e = network.data?.mapExtent;
    if (!map || !e || fitted.current) return;
    fitted.current = true;
    map.fitBounds(
      [
        [e.south, e.west],
        [e.north, e.east],
      ],
      { padding: [20, 20] },
    );
  }, [network.data]);

  // The basemap, when there is one.
  useEffect(() => {
    const map = mapRef.current;
    const s = settings.data?.mapSettings;
    if (!map || !s?.tileUrl) return;
    const tiles = L.tileLayer(s.tileUrl, { attribution: s.attribution, maxZoom: 19, subdomains: 'abc' }).addTo(map);
    return () => {
      tiles.remove();
    };
  }, [settings.data]);

  // The viewport's connections: on every move, and again when the network changes.
  const load = useCallback(async () => {
    const map = mapRef.current;
    if (!map || !staff) return;
    const b = map.getBounds();
    const res = await client
      .query(
        ViewDoc,
        { bbox: { west: b.getWest(), south: b.getSouth(), east: b.getEast(), north: b.getNorth() }, zoom: map.getZoom() },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    if (res.data) setView(res.data.map);
  }, [client, staff]);
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    void load();
    map.on('moveend', load);
    return () => {
      map.off('moveend', load);
    };
  }, [load]);

  // Live: ONU changes and incidents redraw what is on screen (at most every 2 s).
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const soon = useCallback(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      void load();
      refetchIncidents({ requestPolicy: 'network-only' });
      refetchNetwork({ requestPolicy: 'network-only' });
    }, 2000);
  }, [load, refetchIncidents, refetchNetwork]);
  useEffect(() => () => clearTimeout(pending.current ?? undefined), []);
  useSubscription({ query: LiveOnusDoc, pause: !staff }, (_prev, next) => {
    soon();
    return next;
  });
  useSubscription({ query: LiveIncidentsDoc, pause: !staff }, (_prev, next) => {
    soon();
    return next;
  });
  useResync(soon);

  // Draw the connections.
  useEffect(() => {
    const group = layers.current?.points;
    const map = mapRef.current;
    if (!group || !map) return;
    group.clearLayers();
    if (!view || !show.customers) return;
    for (const p of view.points) {
      L.circleMarker([p.latitude, p.longitude], {
        radius: 6,
        color: '#ffffff',
        weight: 1,
        fillColor: STATE_COLOUR[p.state],
        fillOpacity: 0.95,
        className: `map-point state-${p.state}`,
      })
        .bindPopup(
          () => {
            const div = document.createElement('div');
            const strong = document.createElement('strong');
            strong.textContent = p.customerName;
            const line = document.createElement('div');
            line.textContent = `${p.pppoeUsername ?? ''} · ${t(`mapState.${p.state}` as never)}`;
            const a = document.createElement('a');
            a.href = `/connections/${encodeURIComponent(p.connectionId)}`;
            a.textContent = t('map.open');
            div.append(strong, line, a);
            return div;
          },
          { closeButton: true },
        )
        .addTo(group);
    }
    for (const c of view.clusters) {
      const size = Math.round(26 + Math.min(24, Math.log10(c.count) * 10));
      const down = c.counts.los + c.counts.powerFail + c.counts.offline;
      const icon = L.divIcon({
        className: 'map-cluster',
        iconSize: [size, size],
        html: `<div data-testid="map-cluster" data-count="${c.count}" data-los="${c.counts.los}" style="width:${size}px;height:${size}px;line-height:${size}px;border-radius:50%;background:${clusterColour(c)};color:#fff;font:600 12px system-ui;text-align:center;border:2px solid #fff;box-shadow:0 0 0 1px rgba(0,0,0,.3)">${c.count}</div>`,
      });
      L.marker([c.latitude, c.longitude], {
        icon,
        keyboard: true,
        title: `${c.count} ${t('map.customers')} · ${down} ${t('map.down')}`,
        alt: `${c.count} ${t('map.customers')}`,
      })
        .on('click', () =>
          map.fitBounds(
            [
              [c.bounds.south, c.bounds.west],
              [c.bounds.north, c.bounds.east],
            ],
            { padding: [20, 20] },
          ),
        )
        .addTo(group);
    }
  }, [view, show.customers, t]);

  // PON ports (from zoom 12: below that they would hide the clusters).
  const [zoom, setZoom] = useState(DEFAULT_VIEW.zoom);
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    const z = () => setZoom(map.getZoom());
    map.on('zoomend', z);
    return () => {
      map.off('zoomend', z);
    };
  }, []);
  useEffect(() => {
    const group = layers.current?.network;
    if (!group) return;
    group.clearLayers();
    if (!show.ports) return;
    if (zoom < 12) {
      // Zoomed out: the OLTs, where their customers are.
      for (const o of network.data?.mapOlts ?? []) {
        L.marker([o.latitude, o.longitude], {
          icon: L.divIcon({
            className: 'map-olt',
            iconSize: [22, 22],
            html: `<div data-testid="map-olt" style="width:22px;height:22px;background:${o.down > o.onus * 0.2 ? STATE_COLOUR.LOS : '#1c4e80'};border:2px solid #fff;transform:rotate(45deg);box-shadow:0 0 0 1px rgba(0,0,0,.4)"></div>`,
          }),
          title: `${o.name} · ${o.onus} ONU · ${o.down} ${t('map.down')}`,
          alt: o.name,
        }).addTo(group);
      }
      return;
    }
    for (const p of network.data?.mapPonPorts ?? []) {
      L.circleMarker([p.latitude, p.longitude], {
        radius: 9,
        color: p.down > p.onus * 0.5 ? STATE_COLOUR.LOS : '#1c4e80',
        weight: 3,
        fillColor: '#ffffff',
        fillOpacity: 0.9,
        className: 'map-port',
      })
        .bindTooltip(`${p.oltName} ${p.label} · ${p.onus} ONU · ${p.down} ${t('map.down')}`)
        .addTo(group);
    }
  }, [network.data, show.ports, zoom, t]);

  // Incidents: the area of the affected customers.
  const openIncidents = incidents.data?.incidents.nodes ?? [];
  useEffect(() => {
    const group = layers.current?.incidents;
    if (!group) return;
    group.clearLayers();
    if (!show.incidents) return;
    for (const i of openIncidents) {
      if (i.area.ring.length < 3) continue;
      L.polygon(
        i.area.ring.map((p) => [p.latitude, p.longitude] as [number, number]),
        { color: STATE_COLOUR.LOS, weight: 2, dashArray: '6 4', fillOpacity: 0.12, className: 'incident-area' },
      )
        .bindTooltip(`#${i.number} ${i.title} · ${i.affectedCount}`)
        .addTo(group);
    }
  }, [openIncidents, show.incidents]);

  // A technician's day: the stops in order, joined.
  const stops = useMemo(
    () =>
      [...(route.data?.workOrders.nodes ?? [])]
        .filter((w) => w.ticket.connection?.latitude != null && w.ticket.connection?.longitude != null)
        .sort((a, b) => (a.scheduledStart ?? '').localeCompare(b.scheduledStart ?? '')),
    [route.data],
  );
  useEffect(() => {
    const group = layers.current?.route;
    const map = mapRef.current;
    if (!group || !map) return;
    group.clearLayers();
    if (!stops.length) return;
    const line = stops.map((w) => [w.ticket.connection!.latitude!, w.ticket.connection!.longitude!] as [number, number]);
    L.polyline(line, { color: '#1864ab', weight: 4, opacity: 0.8, className: 'route-line' }).addTo(group);
    stops.forEach((w, i) => {
      L.marker(line[i]!, {
        icon: L.divIcon({
          className: 'route-stop',
          iconSize: [26, 26],
          html: `<div data-testid="route-stop" style="width:26px;height:26px;line-height:26px;border-radius:50%;background:#1864ab;color:#fff;font:700 13px system-ui;text-align:center;border:2px solid #fff">${i + 1}</div>`,
        }),
        title: `${i + 1}. OT #${w.number} · ${w.ticket.customer?.name ?? ''}`,
        alt: `${i + 1}`,
      })
        .bindPopup(`${i + 1}. OT #${w.number}`)
        .addTo(group);
    });
    map.fitBounds(L.latLngBounds(line).pad(0.3), { maxZoom: 15 });
  }, [stops]);

  // Focus on one connection (search result → "show on map").
  useEffect(() => {
    const group = layers.current?.focus;
    const map = mapRef.current;
    const c = focus.data?.connection;
    if (!group || !map || !c || c.latitude == null || c.longitude == null) return;
    group.clearLayers();
    L.circleMarker([c.latitude, c.longitude], { radius: 14, color: '#1864ab', weight: 3, fill: false, className: 'map-focus' }).addTo(
      group,
    );
    map.setView([c.latitude, c.longitude], 17);
  }, [focus.data]);

  const totals = useMemo(() => {
    const out: Record<MapState, number> = { ONLINE: 0, OFFLINE: 0, LOS: 0, POWER_FAIL: 0, UNKNOWN: 0 };
    for (const p of view?.points ?? []) out[p.state]++;
    for (const c of view?.clusters ?? []) {
      out.ONLINE += c.counts.online;
      out.OFFLINE += c.counts.offline;
      out.LOS += c.counts.los;
      out.POWER_FAIL += c.counts.powerFail;
      out.UNKNOWN += c.counts.unknown;
    }
    return out;
  }, [view]);
  const unlocated = network.data?.unlocatedConnections;
  const noLocation = focus.data?.connection && (focus.data.connection.latitude == null || focus.data.connection.longitude == null);

  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap">
        <Title order={1} size="h2">
          {t('nav.map')}
        </Title>
        {staff && (
          <Group gap="xs" data-testid="map-legend" aria-label={t('map.legend')}>
            {STATES.map((s) => (
              <Badge
                key={s}
                variant="outline"
                color="gray"
                leftSection={<Dot colour={STATE_COLOUR[s]} />}
                data-state={s}
                data-count={totals[s]}
              >
                {t(`mapState.${s}` as never)} {totals[s]}
              </Badge>
            ))}
          </Group>
        )}
      </Group>
      <Group align="flex-start" wrap="wrap" gap="sm">
        <Card withBorder p={0} style={{ flex: '1 1 520px', minWidth: 0 }}>
          <section
            ref={holder}
            data-testid="map"
            data-total={view?.total ?? ''}
            data-clustered={view ? String(view.clustered) : ''}
            data-basemap={settings.data?.mapSettings.tileUrl ? 'tiles' : 'none'}
            aria-label={t('nav.map')}
            style={{ height: 'calc(100dvh - 200px)', minHeight: 320, background: 'var(--mantine-color-gray-1)' }}
          />
        </Card>
        <Stack gap="sm" style={{ flex: '0 1 300px', minWidth: 260 }}>
          {staff && (
            <Card withBorder>
              <Title order={2} size="h5" mb="xs">
                {t('map.layers')}
              </Title>
              <Checkbox
                label={t('map.layerCustomers')}
                checked={show.customers}
                onChange={(e) => setShow({ ...show, customers: e.currentTarget.checked })}
              />
              <Checkbox
                mt={4}
                label={t('map.ports')}
                checked={show.ports}
                onChange={(e) => setShow({ ...show, ports: e.currentTarget.checked })}
              />
              <Checkbox
                mt={4}
                label={t('nav.incidents')}
                checked={show.incidents}
                onChange={(e) => setShow({ ...show, incidents: e.currentTarget.checked })}
              />
            </Card>
          )}
          <Card withBorder>
            <Title order={2} size="h5" mb="xs">
              {t('map.route')}
            </Title>
            {staff && (
              <Select
                label={t('wo.technician')}
                data={(techs.data?.users.nodes ?? []).map((u) => ({ value: u.id, label: u.name }))}
                value={technician}
                onChange={setTechnician}
                clearable
                data-testid="route-technician"
              />
            )}
            <Select
              mt="xs"
              label={t('map.day')}
              data={[
                { value: '0', label: t('map.today') },
                { value: '1', label: t('map.tomorrow') },
              ]}
              value={day}
              onChange={(v) => setDay(v === '1' ? '1' : '0')}
              allowDeselect={false}
            />
            <List size="sm" mt="xs" type="ordered" data-testid="route-list">
              {stops.map((w) => (
                <List.Item key={w.id}>
                  {w.scheduledStart ? date(w.scheduledStart, 'hm') : ''} · OT #{w.number} · {w.ticket.customer?.name}
                </List.Item>
              ))}
            </List>
            {technician && stops.length === 0 && (
              <Text size="sm" c="dimmed">
                {t('wo.none')}
              </Text>
            )}
          </Card>
          {staff && openIncidents.length > 0 && (
            <Card withBorder data-testid="map-incidents">
              <Title order={2} size="h5" mb="xs">
                {t('nav.incidents')}
              </Title>
              {openIncidents.map((i) => (
                <Text key={i.id} size="sm" data-testid="map-incident" data-located={i.area.located}>
                  <Anchor component={Link} href={`/incidents/${encodeURIComponent(i.id)}`}>
                    #{i.number} {i.title}
                  </Anchor>{' '}
                  · {i.area.located} {t('map.customers')}
                  {i.area.unlocated ? ` (+${i.area.unlocated} ${t('map.unlocatedShort')})` : ''}
                </Text>
              ))}
            </Card>
          )}
          {noLocation && (
            <Text size="sm" c="orange.9" data-testid="focus-unlocated">
              {t('map.noLocation')}
            </Text>
          )}
          {staff && unlocated && unlocated.totalCount > 0 && (
            <Card withBorder data-testid="unlocated">
              <Title order={2} size="h5" mb="xs">
                {t('map.unlocated')} ({unlocated.totalCount})
              </Title>
              {unlocated.nodes.map((c) => (
                <Text key={c.id} size="sm">
                  <Anchor component={Link} href={`/connections/${encodeURIComponent(c.id)}`}>
                    {c.customer.name}
                  </Anchor>{' '}
                  · {c.pppoeUsername}
                </Text>
              ))}
            </Card>
          )}
        </Stack>
      </Group>
    </Stack>
  );
}

function Dot({ colour }: { colour: string }) {
  return <span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 5, background: colour }} />;
}
