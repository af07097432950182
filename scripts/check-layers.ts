/** `npm run lint` (with Biome): the import rules of scripts/layers.ts over every tracked source file. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { checkLayers } from './layers.ts';

const root = path.resolve(import.meta.dirname, '..');
const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx'], {
  cwd: root,
  encoding: 'utf8',
});
const files = new Map<string, string>();
for (const file of listed.split('\n')) {
  if (!file || file.includes('/generated/') || file.startsWith('client/src/gql/') || !fs.existsSync(path.join(root, file))) continue;
  files.set(file, fs.readFileSync(path.join(root, file), 'utf8'));
}
const violations = checkLayers(files);
for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
if (violations.length) {
  console.error(`\n${violations.length} import rule(s) broken; the layers are described in scripts/layers.ts`);
  process.exit(1);
}
console.log(`layers: ${files.size} files, every import within the rules, no cycles`);
