/**
 * The map: a viewport's connections by live state (clustered on the server when many), the
 * PON ports and OLTs where their customers are, incident areas, and who has no coordinates.
 * Coordinates are WGS84 degrees.
 */
import { GraphQLError } from 'graphql';
import { normaliseBbox, type Bbox, type Position } from '../../domain/geo.ts';
import {
  incidentArea,
  MAP_STATES,
  mapExtent,
  mapView,
  placedOlts,
  placedPonPorts,
  type IncidentArea,
  type MapCluster,
  type MapPoint,
  type MapView,
  type PlacedOlt,
  type PlacedPort,
  type StateCounts,
} from '../../map/view.ts';
import { builder } from '../builder.ts';
import { NETWORK_READERS, readAs } from '../access.ts';
import { encodeId } from '../ids.ts';

const MapStateEnum = builder.enumType('MapState', {
  description: 'A connection on the map: its ONU’s status, or for connections without an ONU, whether its PPPoE session is up.',
  values: {
    ONLINE: { description: 'Working.' },
    OFFLINE: { description: 'ONU offline, or no PPPoE session (connections without an ONU).' },
    LOS: { description: 'ONU reports loss of signal: the fibre.' },
    POWER_FAIL: { description: 'ONU lost power (dying gasp).' },
    UNKNOWN: { description: 'ONU status not known.' },
  } as const,
});

const BboxInput = builder.inputType('BoundingBoxInput', {
  description: 'A viewport in WGS84 degrees.',
  fields: (t) => ({
    west: t.float({ required: true, description: 'Western longitude.' }),
    south: t.float({ required: true, description: 'Southern latitude.' }),
    east: t.float({ required: true, description: 'Eastern longitude.' }),
    north: t.float({ required: true, description: 'Northern latitude.' }),
  }),
});

const BboxRef = builder.objectRef<Bbox>('BoundingBox').implement({
  description: 'An extent in WGS84 degrees.',
  fields: (t) => ({
    west: t.exposeFloat('west', { description: 'Western longitude.' }),
    south: t.exposeFloat('south', { description: 'Southern latitude.' }),
    east: t.exposeFloat('east', { description: 'Eastern longitude.' }),
    north: t.exposeFloat('north', { description: 'Northern latitude.' }),
  }),
});

const StateCountsRef = builder.objectRef<StateCounts>('MapStateCounts').implement({
  description: 'How many connections are in each state.',
  fields: (t) => ({
    online: t.int({ description: 'ONLINE.', resolve: (c) => c.ONLINE }),
    offline: t.int({ description: 'OFFLINE.', resolve: (c) => c.OFFLINE }),
    los: t.int({ description: 'LOS.', resolve: (c) => c.LOS }),
    powerFail: t.int({ description: 'POWER_FAIL.', resolve: (c) => c.POWER_FAIL }),
    unknown: t.int({ description: 'UNKNOWN.', resolve: (c) => c.UNKNOWN }),
  }),
});

const MapPointRef = builder.objectRef<MapPoint>('MapPoint').implement({
  description: 'One connection on the map.',
  fields: (t) => ({
    connectionId: t.id({ description: 'The connection (Connection id).', resolve: (p) => encodeId('Connection', p.connectionId) }),
    connection: t.prismaField({
      type: 'Connection',
      nullable: true,
      description: 'The connection, for details on click (one request per point asked: ask for it on one point, not on all).',
      resolve: (query, p, _a, ctx) => ctx.db.prisma.connection.findUnique({ ...query, where: { id: p.connectionId } }),
    }),
    latitude: t.exposeFloat('lat', { description: 'Latitude.' }),
    longitude: t.exposeFloat('lng', { description: 'Longitude.' }),
    state: t.field({ type: MapStateEnum, description: 'Live state.', resolve: (p) => p.state }),
    customerName: t.exposeString('name', { description: 'Customer name.' }),
    pppoeUsername: t.exposeString('username', { nullable: true, description: 'PPPoE username.' }),
  }),
});

const MapClusterRef = builder.objectRef<MapCluster>('MapCluster').implement({
  description: 'Connections close together at this zoom, drawn as one marker.',
  fields: (t) => ({
    latitude: t.exposeFloat('lat', { description: 'Latitude of their centre.' }),
    longitude: t.exposeFloat('lng', { description: 'Longitude of their centre.' }),
    count: t.exposeInt('count', { description: 'How many.' }),
    counts: t.field({ type: StateCountsRef, description: 'How many in each state.', resolve: (c) => c.counts }),
    bounds: t.field({ type: BboxRef, description: 'Their extent: zoom to it to split the cluster.', resolve: (c) => c.bbox }),
  }),
});

const MapViewRef = builder.objectRef<MapView>('MapView').implement({
  description: 'What a viewport shows: its connections one by one, or clustered when there are many.',
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'Located connections in the viewport.' }),
    clustered: t.exposeBoolean('clustered', { description: 'Whether `clusters` is filled instead of `points`.' }),
    points: t.field({ type: [MapPointRef], description: 'Each connection (when not clustered).', resolve: (v) => v.points }),
    clusters: t.field({ type: [MapClusterRef], description: 'Clusters (when clustered), largest first.', resolve: (v) => v.clusters }),
  }),
});

const MapPonPortRef = builder.objectRef<PlacedPort>('MapPonPort').implement({
  description: 'A PON port, placed at the centre of its located customers.',
  fields: (t) => ({
    ponPortId: t.id({ description: 'The PON port (PonPort id).', resolve: (p) => encodeId('PonPort', p.ponPortId) }),
    oltId: t.id({ description: 'Its OLT (Olt id).', resolve: (p) => encodeId('Olt', p.oltId) }),
    label: t.exposeString('label', { description: 'Board/port.' }),
    oltName: t.exposeString('oltName', { description: 'OLT name.' }),
    latitude: t.exposeFloat('lat', { description: 'Latitude.' }),
    longitude: t.exposeFloat('lng', { description: 'Longitude.' }),
    onus: t.exposeInt('onus', { description: 'Located ONUs on the port.' }),
    down: t.exposeInt('down', { description: 'ONUs offline, LOS or power fail now (located or not).' }),
  }),
});

const MapOltRef = builder.objectRef<PlacedOlt>('MapOlt').implement({
  description: 'An OLT, placed at the centre of its located customers.',
  fields: (t) => ({
    oltId: t.id({ description: 'The OLT (Olt id).', resolve: (o) => encodeId('Olt', o.oltId) }),
    name: t.exposeString('name', { description: 'Name.' }),
    latitude: t.exposeFloat('lat', { description: 'Latitude.' }),
    longitude: t.exposeFloat('lng', { description: 'Longitude.' }),
    onus: t.exposeInt('onus', { description: 'Located ONUs.' }),
    down: t.exposeInt('down', { description: 'ONUs offline, LOS or power fail now (located or not).' }),
  }),
});

const GeoPositionRef = builder.objectRef<Position>('GeoPosition').implement({
  description: 'A point in WGS84 degrees.',
  fields: (t) => ({
    longitude: t.float({ description: 'Longitude.', resolve: (p) => p[0] }),
    latitude: t.float({ description: 'Latitude.', resolve: (p) => p[1] }),
  }),
});

const IncidentAreaRef = builder.objectRef<IncidentArea>('IncidentArea').implement({
  description: 'Where an incident is: around the customers it still affects (all of them once all recovered).',
  fields: (t) => ({
    ring: t.field({
      type: [GeoPositionRef],
      description: 'The area’s outline, closed (the last point repeats the first); empty when no affected customer has coordinates.',
      resolve: (a) => a.ring,
    }),
    center: t.field({
      type: GeoPositionRef,
      nullable: true,
      description: 'Centre of the affected customers.',
      resolve: (a) => a.center,
    }),
    located: t.exposeInt('located', { description: 'Affected customers drawn.' }),
    unlocated: t.exposeInt('unlocated', { description: 'Affected customers without coordinates (not drawn).' }),
  }),
});

builder.prismaObjectFields('Incident', (t) => ({
  area: t.field({
    type: IncidentAreaRef,
    description: 'Where it is on the map.',
    select: { id: true },
    resolve: (i, _a, ctx) => incidentArea(ctx.db.pool, i.id),
  }),
}));

function viewport(input: { west: number; south: number; east: number; north: number }): Bbox {
  const bbox = normaliseBbox(input);
  if (typeof bbox === 'string')
    throw new GraphQLError(`Invalid viewport: ${bbox}`, { extensions: { code: 'BAD_USER_INPUT', field: 'bbox' } });
  return bbox;
}

const MapSettingsRef = builder.objectRef<{ tileUrl: string | null; attribution: string }>('MapSettings').implement({
  description: 'How the monitor draws its basemap (MAP_STYLE_URL, MAP_ATTRIBUTION).',
  fields: (t) => ({
    tileUrl: t.exposeString('tileUrl', {
      nullable: true,
      description: 'Raster tile URL template ({z}/{x}/{y}); null: no basemap, points on a plain background.',
    }),
    attribution: t.exposeString('attribution', { description: 'Credit to show on the map.' }),
  }),
});

builder.queryFields((t) => ({
  mapSettings: t.field({
    type: MapSettingsRef,
    description: 'The basemap the monitor draws.',
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => ctx.config.map,
  }),
  map: t.field({
    type: MapViewRef,
    description: `The connections in a viewport with their live state: one by one up to 1,500, clustered on a grid sized for \`zoom\` beyond. States: ${MAP_STATES.join(', ')}.`,
    authScopes: readAs(...NETWORK_READERS),
    args: {
      bbox: t.arg({ type: BboxInput, required: true, description: 'The viewport.' }),
      zoom: t.arg.int({ required: true, description: 'The map zoom (0–22): sizes the clusters.' }),
    },
    resolve: (_root, args, ctx) => mapView(ctx.db.pool, viewport(args.bbox), Math.min(Math.max(args.zoom, 0), 22)),
  }),
  mapExtent: t.field({
    type: BboxRef,
    nullable: true,
    description: 'Where the located connections are (the map opens on it); null when none has coordinates.',
    authScopes: readAs(...NETWORK_READERS),
    resolve: (_root, _args, ctx) => mapExtent(ctx.db.pool),
  }),
  mapPonPorts: t.field({
    type: [MapPonPortRef],
    description: 'PON ports whose customers’ centre is in the viewport.',
    authScopes: readAs(...NETWORK_READERS),
    args: { bbox: t.arg({ type: BboxInput, required: true, description: 'The viewport.' }) },
    resolve: (_root, args, ctx) => placedPonPorts(ctx.db.pool, viewport(args.bbox)),
  }),
  mapOlts: t.field({
    type: [MapOltRef],
    description: 'Every OLT, placed where its customers are.',
    authScopes: readAs(...NETWORK_READERS),
    resolve: (_root, _args, ctx) => placedOlts(ctx.db.pool),
  }),
  unlocatedConnections: t.prismaConnection({
    type: 'Connection',
    cursor: 'id',
    totalCount: (_c, _args, ctx) => ctx.db.prisma.connection.count({ where: unlocated }),
    description: 'Connections without coordinates in ISPCube: not on the map, listed here to be fixed.',
    authScopes: readAs(...NETWORK_READERS),
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.connection.findMany({ ...query, where: unlocated, orderBy: { id: 'asc' } }),
  }),
}));

const unlocated = { goneAt: null, OR: [{ latitude: null }, { longitude: null }] };
