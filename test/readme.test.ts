/** The README is for newcomers: what it tells them to run must exist, and every setting must be documented. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownEnvVars } from '../server/src/config.ts';

const root = path.resolve(import.meta.dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('README', () => {
  it('documents every configuration variable', () => {
    const missing = knownEnvVars.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('only mentions npm scripts that exist', () => {
    const mentioned = [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(mentioned.length).toBeGreaterThan(3);
    for (const script of mentioned) expect(pkg.scripts, script).toHaveProperty(script);
    for (const bare of ['start', 'test', 'install']) expect(readme).toContain(`npm ${bare}`);
  });

  it('names every source folder in its architecture section', () => {
    const architecture = readme.slice(readme.indexOf('## Architecture'), readme.indexOf('### Keeping the mirror fresh'));
    const folders = (parent: string): string[] =>
      fs
        .readdirSync(path.join(root, parent), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => `${parent}/${d.name}/`);
    const expected = [
      ...folders('server/src'),
      'workers/',
      'workers/tasks/',
      ...folders('simulators').map((f) => f.replace('simulators/', '')),
      'client/',
      'src/pages/',
    ];
    const missing = expected.filter(
      (f) => !architecture.includes(`\`${f}\``) && !architecture.includes(`\`${f.replace(/^workers\//, '')}\``),
    );
    expect(missing).toEqual([]);
  });

  it('lists the demo users the demo data creates', async () => {
    const { DEMO_USERS, DEMO_PASSWORD } = await import('../server/src/demo/owned.ts');
    for (const u of DEMO_USERS) expect(readme).toMatch(new RegExp(`\\| \`${u.username}\`\\s*\\| \`${DEMO_PASSWORD}\``));
  });
});
