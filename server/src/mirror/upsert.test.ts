import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ONU_INVENTORY_VERSION } from './smartolt.ts';
import { sourceVersion } from './upsert.ts';

describe('sourceVersion', () => {
  it('changes with any edit to the code it covers, and only then', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'emerald-version-'));
    const [a, b] = ['map.ts', 'apply.ts'].map((f) => pathToFileURL(path.join(dir, f)));
    writeFileSync(a!, 'export const map = (x) => x;');
    writeFileSync(b!, 'export const apply = () => 1;');
    const first = sourceVersion('list', [a!, b!]);
    expect(sourceVersion('list', [a!, b!])).toBe(first);
    writeFileSync(b!, 'export const apply = () => 2;');
    const second = sourceVersion('list', [a!, b!]);
    expect(second).not.toBe(first);
    expect(second.startsWith('list:')).toBe(true);
  });

  it('never shares a version with another process when the code cannot be read', () => {
    const missing = pathToFileURL(path.join(tmpdir(), 'emerald-no-such-dir', 'gone.ts'));
    expect(sourceVersion('list', [missing])).not.toBe(sourceVersion('list', [missing]));
  });

  it('covers the ONU inventory mapping from its real source files', () => {
    // Read from the files (not the per-process fallback): two loads agree.
    const files = ['./smartolt.ts', './common.ts', './upsert.ts', '../domain/smartoltValues.ts'].map((f) => new URL(f, import.meta.url));
    expect(sourceVersion('smartolt.onus', files)).toBe(ONU_INVENTORY_VERSION);
  });
});
