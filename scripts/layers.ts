/**
 * The architecture as rules over imports, checked by `npm run lint` (scripts/check-layers.ts).
 *
 * Server layers, from the ground up (an import may run sideways or down, never up):
 *   0  domain/ (pure rules: imports nothing of ours), config, logger, version, startupError, generated/
 *   1  db/, vendors/, mirror/, events/, jobs/
 *   2  sync/, search/, diagnosis/, incidents/, notifications/, realtime/, auth/, ops/, actions/,
 *      traffic/, map/, stock/, files/
 *   3  graphql/
 *   4  http/, demo/
 *   5  boot, main, clientBuild
 * `services.ts` is the container's types: it holds only `import type`, and any layer may use it.
 * Around the server: workers/ use layers below graphql/ (the server reaches workers/ only from
 * boot); simulators/ are reached from the server only through demo/, and themselves use only
 * the shared RouterOS wire codec and domain/; the monitor (client/) imports only itself.
 * Tests, scripts and benchmarks may import anything. No import cycles anywhere, type-only
 * ones included (the hub services.ts excepted, as its imports vanish at run time).
 */
import path from 'node:path';

export interface ImportEdge {
  from: string;
  to: string;
  line: number;
  typeOnly: boolean;
}

export interface Violation {
  file: string;
  line: number;
  message: string;
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[\s\S]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Relative imports of one file, resolved to repository paths. */
export function importsOf(file: string, source: string): ImportEdge[] {
  const out: ImportEdge[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4];
    if (!spec?.startsWith('.')) continue;
    const line = source.slice(0, m.index + m[0].length).split('\n').length;
    out.push({ from: file, to: path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)), line, typeOnly: Boolean(m[2]) });
  }
  return out;
}

const SERVER = 'server/src/';
const RANKS: [prefix: string, rank: number][] = [
  ['domain/', 0],
  ['config.ts', 0],
  ['logger.ts', 0],
  ['version.ts', 0],
  ['startupError.ts', 0],
  ['generated/', 0],
  ['db/', 1],
  ['vendors/', 1],
  ['mirror/', 1],
  ['events/', 1],
  ['jobs/', 1],
  ['sync/', 2],
  ['search/', 2],
  ['diagnosis/', 2],
  ['incidents/', 2],
  ['notifications/', 2],
  ['realtime/', 2],
  ['auth/', 2],
  ['ops/', 2],
  ['actions/', 2],
  ['traffic/', 2],
  ['exports/', 2],
  ['map/', 2],
  ['stock/', 2],
  ['files/', 2],
  ['graphql/', 3],
  ['http/', 4],
  ['demo/', 4],
  ['boot.ts', 5],
  ['main.ts', 5],
  ['clientBuild.ts', 5],
];

/** The layer of a server file, or null for services.ts and files outside the server. */
export function rankOf(file: string): number | null {
  if (!file.startsWith(SERVER)) return null;
  const rel = file.slice(SERVER.length);
  if (rel === 'services.ts') return null;
  for (const [prefix, rank] of RANKS) if (rel === prefix || rel.startsWith(prefix)) return rank;
  return -1; // a new top-level folder must be placed in RANKS
}

const isTest = (file: string): boolean =>
  /\.(db\.|browser\.)?test\.tsx?$/.test(file) || file.startsWith('test/') || file.startsWith('bench/') || file.startsWith('scripts/');

function ruleViolation(e: ImportEdge): string | null {
  const { from, to } = e;
  if (isTest(from)) return null;
  if (from === `${SERVER}services.ts`) return e.typeOnly ? null : 'services.ts holds types only: use `import type`';
  if (from.startsWith(`${SERVER}domain/`) && !to.startsWith(`${SERVER}domain/`)) return 'domain/ is pure: it imports nothing of ours';
  if (from.startsWith('client/'))
    return to.startsWith('client/') ? null : 'the monitor imports only client/ (talk to the server over GraphQL)';
  if (from.startsWith('simulators/')) {
    if (to.startsWith('simulators/') || to === `${SERVER}vendors/routerosWire.ts` || to.startsWith(`${SERVER}domain/`)) return null;
    return 'simulators use only themselves, the RouterOS wire codec and domain/';
  }
  if (from.startsWith('workers/')) {
    const r = rankOf(to);
    if (to.startsWith('workers/') || to === `${SERVER}services.ts`) return null;
    if (r !== null && r >= 0 && r <= 2) return null;
    return 'workers use the server only below graphql/';
  }
  if (from.startsWith(SERVER)) {
    if (to.startsWith('simulators/')) return from.startsWith(`${SERVER}demo/`) ? null : 'only demo/ reaches the simulators';
    if (to.startsWith('workers/')) return from === `${SERVER}boot.ts` ? null : 'only boot reaches workers/';
    if (to === `${SERVER}services.ts`) return null;
    const a = rankOf(from);
    const b = rankOf(to);
    if (a === -1) return `${from} is in no layer: add its folder to scripts/layers.ts`;
    if (a !== null && b !== null && b > a)
      return `layer ${a} (${from.slice(SERVER.length).split('/')[0]}) must not import layer ${b} (${to.slice(SERVER.length).split('/')[0]})`;
  }
  return null;
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(edges: readonly ImportEdge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    if (e.from === e.to) continue;
    let set = graph.get(e.from);
    if (!set) graph.set(e.from, (set = new Set()));
    set.add(e.to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** Every broken rule and every import cycle among `files` (path → source). */
export function checkLayers(files: ReadonlyMap<string, string>): Violation[] {
  const edges = [...files].flatMap(([file, source]) => importsOf(file, source));
  const violations: Violation[] = [];
  for (const e of edges) {
    const message = ruleViolation(e);
    if (message) violations.push({ file: e.from, line: e.line, message: `${message} (imports ${e.to})` });
  }
  const hub = `${SERVER}services.ts`;
  for (const component of cycles(edges.filter((e) => e.from !== hub))) {
    violations.push({ file: component[0]!, line: 1, message: `import cycle: ${component.join(' → ')}` });
  }
  return violations;
}
