/** The Grafana dashboard in the repository charts only metrics Emerald exports. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db/client.ts';
import { createMetrics } from './metrics.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('docs/grafana/emerald.json', () => {
  it('queries only metric names the registry has (histograms by their _bucket/_count/_sum series)', () => {
    // Names only: nothing is collected, so no database is touched.
    const names = new Set(
      createMetrics({} as Db)
        .registry.getMetricsAsArray()
        .map((m) => m.name),
    );
    const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'docs', 'grafana', 'emerald.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\bemerald_[a-z0-9_]+/g)].map((m) => m[0])));
    expect(used.length).toBeGreaterThan(15);
    const unknown = used.filter((n) => !names.has(n) && !names.has(n.replace(/_(bucket|count|sum)$/, '')));
    expect(unknown).toEqual([]);
    // Every Emerald-specific metric appears on the dashboard.
    const own = [...names].filter((n) => !/^emerald_(process|nodejs)_/.test(n));
    expect(own.filter((n) => !used.some((u) => u === n || u.startsWith(`${n}_`)))).toEqual([]);
  });
});
