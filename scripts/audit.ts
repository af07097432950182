/**
 * `npm run audit` (CI): `npm audit --omit=dev` must report no high or critical advisory
 * for the packages Emerald runs with. Where the registry's advisory endpoint cannot be
 * reached (an offline mirror, a proxy that only allows GET), it says so and does not fail:
 * the check needs the registry's answer to mean anything.
 */
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let report: {
  metadata?: { vulnerabilities?: Record<string, number> };
  statusCode?: number;
  message?: string;
  error?: { summary?: string };
};
try {
  report = JSON.parse(run.stdout || '{}');
} catch {
  console.error(`audit: npm audit printed no JSON (exit ${run.status}): ${run.stderr.trim().slice(0, 300)}`);
  process.exit(1);
}
const counts = report.metadata?.vulnerabilities;
if (!counts) {
  const why = report.message ?? report.error?.summary ?? 'no answer';
  console.log(`audit: skipped — the registry's advisory service did not answer (${why})`);
  process.exit(0);
}
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
console.log(
  `audit: ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low (runtime dependencies)`,
);
if (serious > 0) {
  console.error('audit: high or critical advisories in runtime dependencies: run `npm audit --omit=dev` and upgrade');
  process.exit(1);
}
