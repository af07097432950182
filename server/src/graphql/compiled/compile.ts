/**
 * Compiled reads: a query whose every field the compiler understands is answered with ONE
 * prepared SQL statement that returns the whole tree as JSON, shaped in memory by the same
 * resolvers, scalars and authorization the schema declares. Anything else — a field without
 * a known SQL shape, a technician (whose access depends on the row), an error, a non-null
 * field that came back null — goes to the regular executor, which gives the answer and the
 * errors it always gave. The plan is made once per document and operation (documents are
 * cached by yoga's parser), the SQL once per shape of arguments.
 *
 * Where fields come from:
 * - columns: `t.expose…` fields and resolvers' `select` lists, through Prisma's data model;
 * - computed fields: the field's own resolver (`pothosOriginalResolve`), called with the row
 *   as Prisma would have loaded it (only resolvers that take no `info` and fields without
 *   arguments);
 * - relations and root fields: rules.ts.
 */
import { createHash } from 'node:crypto';
import { encodeBase64, encodeCursorChunk } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { complexityFromQuery } from '@pothos/plugin-complexity';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  getArgumentValues,
  getNamedType,
  getVariableValues,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  visit,
} from 'graphql';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { ROW_INDEPENDENT, type RowScopes, type ScopeMap, scopeMapHolds } from '../access.ts';
import { LIMITS, MAX_PAGE_SIZE, scopesOf } from '../builder.ts';
import type { Context } from '../context.ts';
import { withFreshness } from '../freshness.ts';
import { type Relation, RELATIONS, ROOTS } from './rules.ts';

/** Pothos' default page size for connections (builder.ts `defaultConnectionSize`). */
const DEFAULT_PAGE = 25;

// ── Prisma's data model: tables, columns and their types

interface Column {
  column: string;
  type: string;
}
interface Model {
  table: string;
  columns: Map<string, Column>;
}
type RuntimeModel = { dbName: string | null; fields: { name: string; kind: string; type: string; dbName?: string | null }[] };

const modelCache = new WeakMap<object, Map<string, Model>>();
function modelsOf(prisma: PrismaClient): Map<string, Model> {
  let models = modelCache.get(prisma);
  if (!models) {
    const runtime = (prisma as unknown as { _runtimeDataModel: { models: Record<string, RuntimeModel> } })._runtimeDataModel;
    models = new Map(
      Object.entries(runtime.models).map(([name, m]) => [
        name,
        {
          table: m.dbName ?? name,
          columns: new Map(
            m.fields
              .filter((f) => f.kind === 'scalar' || f.kind === 'enum')
              .map((f) => [f.name, { column: f.dbName ?? f.name, type: f.kind === 'enum' ? 'Enum' : f.type }]),
          ),
        },
      ]),
    );
    modelCache.set(prisma, models);
  }
  return models;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * The column as JSON-friendly SQL: big numbers as text, instants as epoch milliseconds
 * (a number is turned into a Date far faster than ISO text is parsed; the floor cuts
 * microseconds as Prisma's adapter does).
 */
function columnSql(alias: string, col: Column): string {
  const ref = `${alias}.${quote(col.column)}`;
  switch (col.type) {
    case 'BigInt':
    case 'Decimal':
      return `${ref}::text`;
    case 'DateTime':
      return `floor(extract(epoch from ${ref}) * 1000)::int8`;
    default:
      return ref;
  }
}

/** A JSON value back to what Prisma would have given the resolver. */
function columnValue(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'DateTime':
      return new Date(value as number);
    case 'BigInt':
      return BigInt(value as string);
    default:
      return value;
  }
}

// ── the plan

/** Thrown while planning or shaping: the regular executor answers instead. */
class NotCompiled extends Error {}
const notCompiled = (why: string): never => {
  throw new NotCompiled(why);
};

type Resolver = (parent: unknown, args: Record<string, unknown>, ctx: Context) => unknown;

/** One output field of an object; `slot` indexes the row's JSON array. */
type Out =
  | { key: string; kind: 'typename'; value: string }
  | { key: string; kind: 'globalId'; typename: string }
  | { key: string; kind: 'value'; fieldName: string; resolve: Resolver | null; complete: Completer }
  | { key: string; kind: 'one'; slot: number; nonNull: boolean; node: RowNode }
  | { key: string; kind: 'list'; slot: number; node: RowNode }
  | { key: string; kind: 'connection'; slot: number; conn: ConnectionSelection };

/** The selection on a type that is not a table (OnuStatusReading …): resolved from its parent value. */
interface PlainSelection {
  typename: string;
  outs: Out[];
}

/** A table row: the columns to fetch, the relations below it, and the output fields. */
interface RowNode {
  model: Model;
  typename: string;
  /** Prisma field names, in the order of the row's JSON array. */
  columns: string[];
  /** Their Prisma types (set once the columns are known). */
  types: string[];
  children: ChildQuery[];
  outs: Out[];
}

interface ChildQuery {
  relation: Relation;
  node: RowNode;
  /** Connections: page size (+1 is fetched to know if there is more) and whether to count. */
  page?: number;
  count?: boolean;
}

interface ConnectionSelection {
  typename: string;
  page: number;
  node: RowNode;
  outs: { key: string; part: 'totalCount' | 'nodes' | 'edges' | 'pageInfo' | 'typename'; sub?: ConnectionSubSelection }[];
}
type ConnectionSubSelection = { key: string; field: string; typename: string }[];

interface Plan {
  rootKey: string;
  rootField: string;
  root: (typeof ROOTS)[string];
  shape: 'one' | 'connection';
  page: number;
  node: RowNode;
  conn: ConnectionSelection | null;
  /** SQL after the root's conditions are known: prefix + conditions + suffix. */
  build: (where: string, orderBy: string) => string;
  /** Authorization that must hold for the caller (type and field scopes, all row-independent here). */
  checks: (ScopeMap | RowScopes<unknown>)[];
  /** The root field's arguments as written (values resolved per request). */
  rootNode: FieldNode;
  rootFieldDef: GraphQLField<unknown, unknown>;
  /** Variables that set page sizes: complexity is checked once per distinct value. */
  pageVariables: string[];
  complexityOk: Map<string, boolean>;
}

interface Planner {
  models: Map<string, Model>;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  checks: Plan['checks'];
  aliases: number;
}

/** Fields by response key, fragments on this very type merged in (graphql's collectFields, without directives). */
function collect(p: Planner, typename: string, set: SelectionSetNode, into = new Map<string, FieldNode[]>()): Map<string, FieldNode[]> {
  for (const sel of set.selections) {
    if (sel.directives?.length) notCompiled('directives');
    if (sel.kind === Kind.FIELD) {
      const key = sel.alias?.value ?? sel.name.value;
      const list = into.get(key);
      if (list) list.push(sel);
      else into.set(key, [sel]);
    } else {
      const frag = sel.kind === Kind.INLINE_FRAGMENT ? sel : p.fragments[sel.name.value];
      if (!frag) return notCompiled('unknown fragment');
      if (frag.typeCondition && frag.typeCondition.name.value !== typename) notCompiled('fragment on another type');
      collect(p, typename, frag.selectionSet, into);
    }
  }
  return into;
}

function mergedSelection(nodes: FieldNode[]): SelectionSetNode {
  if (nodes.length === 1) return nodes[0]!.selectionSet ?? notCompiled('no selection');
  return { kind: Kind.SELECTION_SET, selections: nodes.flatMap((n) => n.selectionSet?.selections ?? []) };
}

type Extensions = {
  pothosOptions?: {
    authScopes?: unknown;
    select?: unknown;
    errors?: unknown;
    grantScopes?: unknown;
    skipTypeScopes?: unknown;
  };
  pothosOriginalResolve?: (...args: unknown[]) => unknown;
  pothosExposedField?: string;
  pothosPrismaModel?: string;
  /** A field that returns an object: the columns each of its sub-fields reads (SelectFor). */
  selectFor?: Record<string, readonly string[]>;
};

function addScopes(p: Planner, scopes: unknown): void {
  if (scopes === undefined) return;
  if (typeof scopes === 'function') {
    if (!(ROW_INDEPENDENT in scopes)) notCompiled('row-dependent scopes');
    p.checks.push(scopes as RowScopes<unknown>);
  } else if (scopes && typeof scopes === 'object') p.checks.push(scopes as ScopeMap);
  else notCompiled('scopes');
}

function fieldOf(type: GraphQLObjectType, name: string): GraphQLField<unknown, unknown> {
  return type.getFields()[name] ?? notCompiled(`unknown field ${type.name}.${name}`);
}

/** Arguments given in the document that are set (non-null literal or a variable). */
function givenArgs(node: FieldNode): string[] {
  return (node.arguments ?? []).filter((a) => a.value.kind !== Kind.NULL).map((a) => a.name.value);
}

/** Page size of a connection field: a literal, or a variable checked per request. */
function pageOf(p: Planner, field: GraphQLField<unknown, unknown>, node: FieldNode): number {
  const args = getArgumentValues(field, node, p.variables) as { first?: number | null; last?: number | null };
  if (args.last !== undefined && args.last !== null) notCompiled('last');
  const first = args.first ?? DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) notCompiled('page size');
  return first;
}

function planRow(p: Planner, type: GraphQLObjectType, set: SelectionSetNode): RowNode {
  const ext = type.extensions as Extensions;
  const modelName = ext.pothosPrismaModel ?? notCompiled(`${type.name} is not a table`);
  const model = p.models.get(modelName) ?? notCompiled(`no model ${modelName}`);
  const typeOptions = ext.pothosOptions ?? {};
  if (typeOptions.grantScopes) notCompiled('grantScopes');
  addScopes(p, typeOptions.authScopes);
  const node: RowNode = { model, typename: type.name, columns: ['id'], types: [], children: [], outs: [] };
  const need = (field: string) => {
    if (!model.columns.has(field)) notCompiled(`no column ${modelName}.${field}`);
    if (!node.columns.includes(field)) node.columns.push(field);
  };
  const isNode = type.getInterfaces().some((i) => i.name === 'Node');
  for (const [key, fieldNodes] of collect(p, type.name, set)) {
    const name = fieldNodes[0]!.name.value;
    if (name === '__typename') {
      node.outs.push({ key, kind: 'typename', value: type.name });
      continue;
    }
    const field = fieldOf(type, name);
    const fext = field.extensions as Extensions;
    const options = fext.pothosOptions ?? {};
    if (options.errors || options.grantScopes || options.skipTypeScopes) notCompiled('field plugin options');
    addScopes(p, options.authScopes);
    if (name === 'id' && isNode) {
      node.outs.push({ key, kind: 'globalId', typename: type.name });
      continue;
    }
    const relation = RELATIONS[`${type.name}.${name}`];
    if (relation) {
      const target = getNamedType(field.type);
      if (!isObjectType(target)) return notCompiled('relation type');
      if (relation.shape === 'connection') {
        if (givenArgs(fieldNodes[0]!).some((a) => a !== 'first')) notCompiled('connection arguments');
        const conn = planConnection(p, target, mergedSelection(fieldNodes), pageOf(p, field, fieldNodes[0]!));
        node.outs.push({ key, kind: 'connection', slot: node.children.length, conn });
        node.children.push({ relation, node: conn.node, page: conn.page, count: conn.outs.some((o) => o.part === 'totalCount') });
        continue;
      }
      if (givenArgs(fieldNodes[0]!).length) notCompiled('relation arguments');
      const child = planRow(p, target, mergedSelection(fieldNodes));
      node.outs.push(
        relation.shape === 'one'
          ? { key, kind: 'one', slot: node.children.length, nonNull: isNonNullType(field.type), node: child }
          : { key, kind: 'list', slot: node.children.length, node: child },
      );
      node.children.push({ relation, node: child });
      continue;
    }
    // A column or a computed field on this row.
    if (field.args.length && givenArgs(fieldNodes[0]!).length) notCompiled('field arguments');
    if (fext.pothosExposedField) {
      need(fext.pothosExposedField);
    } else {
      const select = options.select;
      // Types not in select mode hand resolvers the whole row (every scalar column), as Prisma loads it.
      if (select === undefined && typeOptions.select === undefined) for (const column of model.columns.keys()) need(column);
      if (select !== undefined) {
        if (typeof select !== 'object' || select === null) notCompiled('select function');
        const columns = Object.entries(select as Record<string, unknown>).map(([column, on]) =>
          on === true ? column : notCompiled('nested select'),
        );
        const wanted = fext.selectFor ? subfieldColumns(p, field, fieldNodes, fext.selectFor) : null;
        for (const column of wanted ?? columns) {
          if (!columns.includes(column)) notCompiled(`${column} is not in the select of ${field.name}`);
          need(column);
        }
      }
    }
    node.outs.push(valueOut(p, key, field, fieldNodes));
  }
  // Relations are correlated subqueries: their columns come from the parent alias, not the row.
  node.columns = node.columns.filter((c) => model.columns.has(c));
  node.types = node.columns.map((c) => model.columns.get(c)!.type);
  return node;
}

/** The columns the asked sub-fields of an object-valued field read; null when one is not listed. */
function subfieldColumns(
  p: Planner,
  field: GraphQLField<unknown, unknown>,
  fieldNodes: FieldNode[],
  selectFor: Record<string, readonly string[]>,
): string[] | null {
  const named = getNamedType(field.type);
  if (!isObjectType(named)) return null;
  const columns = new Set<string>();
  for (const nodes of collect(p, named.name, mergedSelection(fieldNodes)).values()) {
    const name = nodes[0]!.name.value;
    if (name === '__typename') continue;
    const listed = Object.hasOwn(selectFor, name) ? selectFor[name] : undefined;
    if (!listed) return null;
    for (const c of listed) columns.add(c);
  }
  return [...columns];
}

/** A field computed by its own resolver (or exposed) from the parent value, with its sub-selection. */
function valueOut(p: Planner, key: string, field: GraphQLField<unknown, unknown>, fieldNodes: FieldNode[]): Out {
  const fext = field.extensions as Extensions;
  const original = fext.pothosOriginalResolve;
  const exposed = fext.pothosExposedField;
  // A resolver that reads `info` cannot be called outside the executor.
  if (!exposed && (!original || original.length > 3)) notCompiled(`resolver of ${field.name}`);
  const named = getNamedType(field.type);
  let sub: PlainSelection | null = null;
  if (!isLeafType(named)) {
    if (!isObjectType(named) || (named.extensions as Extensions).pothosPrismaModel) notCompiled(`object ${named.name}`);
    sub = planPlain(p, named as GraphQLObjectType, mergedSelection(fieldNodes));
  }
  const resolve: Resolver | null = exposed ? null : (original as Resolver);
  return { key, kind: 'value', fieldName: exposed ?? field.name, resolve, complete: completer(field.type, sub) };
}

function planPlain(p: Planner, type: GraphQLObjectType, set: SelectionSetNode): PlainSelection {
  const ext = type.extensions as Extensions;
  addScopes(p, ext.pothosOptions?.authScopes);
  const outs: Out[] = [];
  for (const [key, fieldNodes] of collect(p, type.name, set)) {
    const name = fieldNodes[0]!.name.value;
    if (name === '__typename') {
      outs.push({ key, kind: 'typename', value: type.name });
      continue;
    }
    const field = fieldOf(type, name);
    const options = (field.extensions as Extensions).pothosOptions ?? {};
    if (options.errors || options.grantScopes || options.select !== undefined) notCompiled('plain field options');
    addScopes(p, options.authScopes);
    if (field.args.length && givenArgs(fieldNodes[0]!).length) notCompiled('field arguments');
    outs.push(valueOut(p, key, field, fieldNodes));
  }
  return { typename: type.name, outs };
}

const CONNECTION_PARTS = new Set(['totalCount', 'nodes', 'edges', 'pageInfo']);
const PAGE_INFO = new Set(['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor', '__typename']);
const EDGE = new Set(['cursor', 'node', '__typename']);

function planConnection(p: Planner, type: GraphQLObjectType, set: SelectionSetNode, page: number): ConnectionSelection {
  const nodeType = getNamedType(fieldOf(type, 'nodes').type);
  if (!isObjectType(nodeType)) return notCompiled('connection nodes');
  const outs: ConnectionSelection['outs'] = [];
  const nodeSelections: SelectionSetNode[] = [];
  for (const [key, fieldNodes] of collect(p, type.name, set)) {
    const name = fieldNodes[0]!.name.value;
    if (name === '__typename') {
      outs.push({ key, part: 'typename' });
      continue;
    }
    if (!CONNECTION_PARTS.has(name)) notCompiled(`connection field ${name}`);
    addScopes(p, (fieldOf(type, name).extensions as Extensions).pothosOptions?.authScopes);
    if (name === 'totalCount') outs.push({ key, part: 'totalCount' });
    else if (name === 'nodes') {
      outs.push({ key, part: 'nodes' });
      nodeSelections.push(mergedSelection(fieldNodes));
    } else {
      const allowed = name === 'pageInfo' ? PAGE_INFO : EDGE;
      const subType = getNamedType(fieldOf(type, name).type);
      const sub: ConnectionSubSelection = [];
      for (const [subKey, subNodes] of collect(p, subType.name, mergedSelection(fieldNodes))) {
        const field = subNodes[0]!.name.value;
        if (!allowed.has(field)) notCompiled(`${name}.${field}`);
        sub.push({ key: subKey, field, typename: subType.name });
        if (field === 'node') nodeSelections.push(mergedSelection(subNodes));
      }
      outs.push({ key, part: name as 'edges' | 'pageInfo', sub });
    }
  }
  // One row shape serves one selection: `nodes` and `edges { node }` together are left to the executor.
  if (nodeSelections.length > 1) notCompiled('several node selections');
  const merged: SelectionSetNode = nodeSelections[0] ?? { kind: Kind.SELECTION_SET, selections: [] };
  return { typename: type.name, page, node: planRow(p, nodeType, merged), outs };
}

// ── SQL

interface Sql {
  alias(): string;
}

/** The row as a JSON array: its columns, then one element per relation. */
function rowSql(s: Sql, node: RowNode, alias: string): string {
  const items = node.columns.map((f) => columnSql(alias, node.model.columns.get(f)!));
  for (const child of node.children) items.push(childSql(s, child, alias));
  if (items.length > 100) notCompiled('too many columns'); // json_build_array takes at most 100 arguments
  return `json_build_array(${items.join(', ')})`;
}

function childSql(s: Sql, child: ChildQuery, parent: string): string {
  const c = s.alias();
  const { relation, node } = child;
  const table = quote(node.model.table);
  const conditions = [relation.on(c, parent), relation.where?.(c)].filter(Boolean).join(' AND ');
  const order = relation.orderBy ? ` ORDER BY ${relation.orderBy(c, parent)}` : '';
  const row = rowSql(s, node, c);
  switch (relation.shape) {
    case 'one':
      return `(SELECT ${row} FROM ${table} ${c} WHERE ${conditions}${order} LIMIT 1)`;
    case 'list':
      return `COALESCE((SELECT json_agg(${row}${order}) FROM ${table} ${c} WHERE ${conditions}), '[]'::json)`;
    case 'connection': {
      const rows = `array_to_json(ARRAY(SELECT ${row} FROM ${table} ${c} WHERE ${conditions}${order} LIMIT ${child.page! + 1}))`;
      const k = s.alias();
      const count = child.count
        ? `(SELECT count(*) FROM ${table} ${k} WHERE ${[relation.on(k, parent), relation.where?.(k)].filter(Boolean).join(' AND ')})`
        : 'NULL';
      return `json_build_array(${rows}, ${count})`;
    }
  }
}

// ── planning entry point

/** Plans of a document's operation, by the values of the variables that set page sizes (baked into the SQL). */
interface OperationPlans {
  pageVariables: string[];
  byPage: Map<string, Plan | null>;
}

/** Variables given as a page size (`first: $n`) anywhere in the document. */
function pageVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (node.name.value === 'first' && node.value.kind === Kind.VARIABLE) names.add(node.value.name.value);
    },
  });
  return [...names];
}

const pageKeyOf = (names: string[], variables: Record<string, unknown>): string =>
  names.map((v) => JSON.stringify(variables[v] ?? null)).join(',');
const plans = new WeakMap<DocumentNode, Map<string, OperationPlans>>();

function planFor(
  schema: GraphQLSchema,
  prisma: PrismaClient,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  log?: Context['log'],
): Plan | null {
  let byOperation = plans.get(document);
  if (!byOperation) {
    byOperation = new Map();
    plans.set(document, byOperation);
  }
  const name = operation.name?.value ?? '';
  let entry = byOperation.get(name);
  if (!entry) {
    entry = { pageVariables: pageVariablesOf(document), byPage: new Map() };
    byOperation.set(name, entry);
  }
  // A page size out of range is not compiled; that must not stop other sizes from being.
  const pageKey = pageKeyOf(entry.pageVariables, variables);
  if (entry.byPage.has(pageKey)) return entry.byPage.get(pageKey)!;
  let plan: Plan | null = null;
  try {
    plan = makePlan(schema, prisma, document, operation, variables, entry.pageVariables);
  } catch (e) {
    if (!(e instanceof NotCompiled)) throw e;
    log?.debug({ operation: operation.name?.value, reason: e.message }, 'query not compiled: the executor answers it');
  }
  if (entry.byPage.size < 20) entry.byPage.set(pageKey, plan);
  return plan;
}

function makePlan(
  schema: GraphQLSchema,
  prisma: PrismaClient,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  pageVariables: string[],
): Plan {
  if (operation.operation !== 'query') notCompiled('not a query');
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const p: Planner = { models: modelsOf(prisma), fragments, variables, checks: [], aliases: 0 };
  const queryType = schema.getQueryType()!;
  const top = [...collect(p, queryType.name, operation.selectionSet)];
  if (top.length !== 1) notCompiled('one root field');
  const [rootKey, rootNodes] = top[0]!;
  if (rootNodes.length !== 1) notCompiled('repeated root field');
  const rootNode = rootNodes[0]!;
  const rootField = rootNode.name.value;
  const root = ROOTS[rootField] ?? notCompiled(`root ${rootField}`);
  const rootFieldDef = fieldOf(queryType, rootField);
  addScopes(p, (rootFieldDef.extensions as Extensions).pothosOptions?.authScopes);
  const target = getNamedType(rootFieldDef.type);
  if (!isObjectType(target)) return notCompiled('root type');
  const s: Sql = { alias: () => `t${p.aliases++}` };
  let node: RowNode;
  let conn: ConnectionSelection | null = null;
  let page = 0;
  let build: Plan['build'];
  if (root.shape === 'one') {
    node = planRow(p, target, mergedSelection(rootNodes));
    const c = s.alias();
    const row = rowSql(s, node, c);
    build = (where) => `SELECT ${row} FROM ${quote(node.model.table)} ${c} WHERE ${where.replaceAll('$ROW', c)}`;
  } else {
    page = pageOf(p, rootFieldDef, rootNode);
    conn = planConnection(p, target, mergedSelection(rootNodes), page);
    node = conn.node;
    const c = s.alias();
    const row = rowSql(s, node, c);
    const table = quote(node.model.table);
    const counted = conn.outs.some((o) => o.part === 'totalCount');
    build = (where, orderBy) =>
      `SELECT json_build_array(array_to_json(ARRAY(SELECT ${row} FROM ${table} ${c} WHERE ${where.replaceAll('$ROW', c)} ORDER BY ${orderBy.replaceAll('$ROW', c)} LIMIT ${page + 1})), ${
        counted ? `(SELECT count(*) FROM ${table} k WHERE ${where.replaceAll('$ROW', 'k')})` : 'NULL'
      })`;
  }
  return {
    rootKey,
    rootField,
    root,
    shape: root.shape,
    page,
    node,
    conn,
    build,
    checks: p.checks,
    rootNode,
    rootFieldDef,
    pageVariables,
    complexityOk: new Map(),
  };
}

// ── running a plan

/** Prepared statement names by SQL text (a name is prepared once per database connection). */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `emerald_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    if (statementNames.size > 2000) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

function authorized(plan: Plan, ctx: Context): boolean {
  const scopes = scopesOf(ctx.actor);
  for (const check of plan.checks) {
    const map = typeof check === 'function' ? check[ROW_INDEPENDENT](ctx) : check;
    if (!map || scopeMapHolds(map, scopes) !== true) return false;
  }
  return true;
}

function withinLimits(
  plan: Plan,
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  ctx: Context,
): boolean {
  const key = pageKeyOf(plan.pageVariables, variables);
  let ok = plan.complexityOk.get(key);
  if (ok === undefined) {
    const c = complexityFromQuery(document, { schema, variables, ctx });
    ok = c.complexity <= LIMITS.complexity && c.depth <= LIMITS.depth && c.breadth <= LIMITS.breadth;
    if (plan.complexityOk.size < 100) plan.complexityOk.set(key, ok);
  }
  return ok;
}

export interface CompiledRequest {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  ctx: Context;
}

/**
 * The query's `data` from one SQL statement, or null when the regular executor must answer
 * (not compilable, not authorized up front, bad input, an error or a null where the schema
 * promises a value).
 */
export async function runCompiled(req: CompiledRequest): Promise<Record<string, unknown> | null> {
  const { schema, document, ctx } = req;
  if (!ctx.actor) return null;
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = req.operationName
    ? operations.find((o) => o.name?.value === req.operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  if (operation?.operation !== 'query') return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], req.variables ?? {});
  if (coerced.errors) return null;
  const variables = coerced.coerced;
  const plan = planFor(schema, ctx.db.prisma, document, operation, variables, ctx.log);
  if (!plan || !authorized(plan, ctx)) return null;
  try {
    const args = getArgumentValues(plan.rootFieldDef, plan.rootNode, variables);
    for (const name of Object.keys(args))
      if (args[name] !== null && args[name] !== undefined && !plan.root.args.includes(name)) return null;
    if (!withinLimits(plan, schema, document, variables, ctx)) return null;
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = plan.root.where(args, '$ROW', param);
    if (where === null) return null;
    const orderBy = plan.shape === 'connection' ? plan.root.orderBy!(args, '$ROW') : '';
    if (orderBy === null) return null;
    const text = plan.build(where, orderBy);
    const result = await ctx.db.pool.query({ name: statementName(text), text, values: params, rowMode: 'array' });
    const value = result.rows[0]?.[0] ?? null;
    // Loaded once up front, freshness is then at hand for every row (no promise per field).
    await withFreshness(ctx, () => null);
    const sh: Shaping = { ctx, pending: [] };
    const data =
      plan.shape === 'one'
        ? value === null
          ? null
          : shapeRow(sh, plan.node, value as unknown[])
        : shapeConnection(sh, plan.conn!, value as [unknown[], number | null], isNonNullType(plan.rootFieldDef.type));
    // Completions settle in any order; a failed one sends the whole query to the executor.
    while (sh.pending.length) await Promise.all(sh.pending.splice(0));
    return { [plan.rootKey]: data };
  } catch (e) {
    // Bad input (a malformed id …), database errors, a null where a value is promised: the
    // regular executor answers, with the errors it always gives.
    if (!(e instanceof NotCompiled)) ctx.log.debug({ err: e }, 'compiled read handed to the executor');
    return null;
  }
}

function rowObject(node: RowNode, row: unknown[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < node.columns.length; i++) obj[node.columns[i]!] = columnValue(node.types[i]!, row[i]);
  return obj;
}

/**
 * Shaping is synchronous; a resolver that returns a promise (freshness is read
 * asynchronously) parks its completion here, and the answer is ready when all have settled.
 */
interface Shaping {
  ctx: Context;
  pending: Promise<void>[];
}

/** Sets `target[key]`, now or once `value` settles. */
function put(
  sh: Shaping,
  target: Record<string, unknown> | unknown[],
  key: string | number,
  value: unknown,
  finish: (v: unknown) => unknown,
): void {
  if (value instanceof Promise) {
    sh.pending.push(
      value.then((v) => {
        (target as Record<string, unknown>)[key] = finish(v);
      }),
    );
  } else (target as Record<string, unknown>)[key] = finish(value);
}

function shapeRow(sh: Shaping, node: RowNode, row: unknown[]): Record<string, unknown> {
  const obj = rowObject(node, row);
  const out: Record<string, unknown> = {};
  const base = node.columns.length;
  for (const o of node.outs) {
    switch (o.kind) {
      case 'one': {
        const child = row[base + o.slot] as unknown[] | null;
        if (child === null) {
          if (o.nonNull) notCompiled('null in non-null');
          out[o.key] = null;
        } else out[o.key] = shapeRow(sh, o.node, child);
        break;
      }
      case 'list': {
        const children = row[base + o.slot] as unknown[][];
        out[o.key] = children.map((child) => shapeRow(sh, o.node, child));
        break;
      }
      case 'connection':
        out[o.key] = shapeConnection(sh, o.conn, row[base + o.slot] as [unknown[], number | null], true);
        break;
      default:
        shapeOut(sh, o, obj, out);
    }
  }
  return out;
}

function shapeOut(sh: Shaping, o: Out, parent: Record<string, unknown>, out: Record<string, unknown>): void {
  switch (o.kind) {
    case 'typename':
      out[o.key] = o.value;
      return;
    case 'globalId':
      out[o.key] = encodeGlobalID(o.typename, String(parent.id));
      return;
    case 'value': {
      const raw = o.resolve ? o.resolve(parent, {}, sh.ctx) : parent[o.fieldName];
      if (raw instanceof Promise) put(sh, out, o.key, raw, (v) => o.complete(sh, v));
      else out[o.key] = o.complete(sh, raw);
      return;
    }
    default:
      notCompiled('unexpected output');
  }
}

type Completer = (sh: Shaping, value: unknown) => unknown;

/** graphql-js's value completion for leaves, lists and plain objects, decided once per field. */
function completer(type: GraphQLOutputType, sub: PlainSelection | null): Completer {
  if (isNonNullType(type)) {
    const inner = completer(type.ofType, sub);
    return (sh, value) => (value === null || value === undefined ? notCompiled('null in non-null') : inner(sh, value));
  }
  if (isListType(type)) {
    const item = completer(type.ofType, sub);
    return (sh, value) => {
      if (value === null || value === undefined) return null;
      if (!Array.isArray(value)) return notCompiled('not a list');
      const items: unknown[] = [];
      for (let i = 0; i < value.length; i++) put(sh, items, i, value[i], (x) => item(sh, x));
      return items;
    };
  }
  if (isLeafType(type)) {
    return (_sh, value) => {
      if (value === null || value === undefined) return null;
      const serialized = type.serialize(value);
      return serialized === undefined || serialized === null ? notCompiled('unserializable') : serialized;
    };
  }
  return (sh, value) => {
    if (value === null || value === undefined) return null;
    const out: Record<string, unknown> = {};
    for (const o of sub!.outs) shapeOut(sh, o, value as Record<string, unknown>, out);
    return out;
  };
}

function shapeConnection(
  sh: Shaping,
  conn: ConnectionSelection,
  value: [unknown[], number | null] | null,
  nonNull: boolean,
): Record<string, unknown> | null {
  if (value === null) {
    if (nonNull) notCompiled('null connection');
    return null;
  }
  const [rows, count] = value;
  const more = rows.length > conn.page;
  const pageRows = (more ? rows.slice(0, conn.page) : rows) as unknown[][];
  const nodes = pageRows.map((r) => shapeRow(sh, conn.node, r));
  const idType = conn.node.model.columns.get('id')!.type;
  const cursor = (r: unknown[]) => encodeBase64(`GPC:${encodeCursorChunk(columnValue(idType, r[0]) as number)}`);
  const out: Record<string, unknown> = {};
  for (const o of conn.outs) {
    switch (o.part) {
      case 'typename':
        out[o.key] = conn.typename;
        break;
      case 'totalCount':
        out[o.key] = Number(count);
        break;
      case 'nodes':
        out[o.key] = nodes;
        break;
      case 'edges':
        out[o.key] = nodes.map((n, i) => {
          const edge: Record<string, unknown> = {};
          for (const s of o.sub!) edge[s.key] = s.field === 'node' ? n : s.field === 'cursor' ? cursor(pageRows[i]!) : s.typename;
          return edge;
        });
        break;
      case 'pageInfo': {
        const info: Record<string, unknown> = {};
        for (const s of o.sub!) {
          info[s.key] =
            s.field === 'hasNextPage'
              ? more
              : s.field === 'hasPreviousPage'
                ? false
                : s.field === 'startCursor'
                  ? pageRows.length
                    ? cursor(pageRows[0]!)
                    : null
                  : s.field === 'endCursor'
                    ? pageRows.length
                      ? cursor(pageRows.at(-1)!)
                      : null
                    : s.typename;
        }
        out[o.key] = info;
        break;
      }
    }
  }
  return out;
}
