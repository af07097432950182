/**
 * `npm run dev`: the API and worker with reload (tsx watch) on PORT (default 4000) and
 * the monitor with hot reload (Vite on 5173, proxying /graphql to the API).
 */
import { spawn, type ChildProcess } from 'node:child_process';

const port = process.env.PORT ?? '4000';
const children: ChildProcess[] = [
  spawn('npx', ['tsx', 'watch', '--clear-screen=false', '--ignore', 'client/**', 'server/src/main.ts'], {
    stdio: 'inherit',
    env: { ...process.env, PORT: port },
  }),
  spawn('npx', ['vite', '-c', 'client/vite.config.ts'], {
    stdio: 'inherit',
    env: { ...process.env, EMERALD_API_URL: `http://127.0.0.1:${port}` },
  }),
];
console.log(`\n  Monitor with hot reload: http://127.0.0.1:5173  (API on :${port})\n`);

let exiting = false;
const stop = (signal: NodeJS.Signals): void => {
  if (exiting) return;
  exiting = true;
  for (const c of children) c.kill(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
for (const c of children)
  c.on('exit', (code) => {
    stop('SIGTERM');
    process.exitCode = code ?? 0;
  });
