/**
 * Docker cannot run here, so check what can be checked of docker-compose.yml and the
 * Dockerfile: the services and their wiring, that every variable they set is one Emerald
 * reads, that every command and copied path exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { knownEnvVars } from '../server/src/config.ts';

const root = path.resolve(import.meta.dirname, '..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Record<string, unknown>>;
  volumes: Record<string, unknown>;
};
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('docker-compose.yml', () => {
  it('runs the official postgres image with a named volume and a healthcheck', () => {
    const pg = compose.services.postgres!;
    expect(pg.image).toMatch(/^postgres:1[5-9]/);
    const volumes = pg.volumes as string[];
    const named = volumes.map((v) => v.split(':')[0]!);
    expect(named.every((n) => n in compose.volumes)).toBe(true);
    expect((pg.healthcheck as { test: string[] }).test.join(' ')).toContain('pg_isready');
  });

  it('runs the API and scalable workers from the same image, after the database is healthy', () => {
    const server = compose.services.server!;
    const worker = compose.services.worker!;
    expect(server.image).toBe(worker.image);
    expect(server.build).toBe('.');
    for (const s of [server, worker]) {
      expect((s.depends_on as Record<string, { condition: string }>).postgres!.condition).toBe('service_healthy');
    }
    expect((worker.deploy as { replicas: number }).replicas).toBeGreaterThanOrEqual(1);
    expect(worker.ports).toBeUndefined();
    expect((server.environment as Record<string, string>).EMERALD_PROCESSES).toBe('api');
    expect((worker.environment as Record<string, string>).EMERALD_PROCESSES).toBe('worker');
    // Demo mode is single-process (API + worker + simulators); compose runs them apart.
    for (const s of [server, worker]) expect((s.environment as Record<string, string>).EMERALD_DEMO).toBe('off');
    expect((server.healthcheck as { test: string[] }).test.join(' ')).toContain('/healthz');
  });

  it('publishes the port the server listens on', () => {
    const server = compose.services.server!;
    const env = server.environment as Record<string, string>;
    const [mapping] = server.ports as string[];
    expect(mapping!.split(':').pop()).toBe(env.PORT);
    expect(dockerfile).toMatch(new RegExp(`EXPOSE ${env.PORT}\\b`));
  });

  it('only sets variables Emerald reads', () => {
    for (const name of ['server', 'worker']) {
      for (const key of Object.keys(compose.services[name]!.environment as object)) expect(knownEnvVars).toContain(key);
    }
    // The database URL points at the compose postgres service with its user and database.
    const url = (compose.services.server!.environment as Record<string, string>).DATABASE_URL!;
    expect(url).toMatch(/^postgresql:\/\/emerald:\$\{POSTGRES_PASSWORD\}@postgres:5432\/emerald$/);
  });

  it('documents commands that exist', () => {
    const header = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    for (const m of header.matchAll(/npm run ([\w:-]+)/g)) expect(pkg.scripts).toHaveProperty(m[1]!);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage: build with dev dependencies, run with production ones', () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+) AS (\w+)/gm)].map((m) => [m[1], m[2]]);
    expect(stages).toEqual([
      ['node:20-bookworm-slim', 'build'],
      ['node:20-bookworm-slim', 'runtime'],
    ]);
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile).toContain('npm prune --omit=dev');
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(dockerfile).toMatch(/USER node/);
  });

  it('copies paths that exist and starts what npm start starts', () => {
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copies.length).toBeGreaterThan(5);
    for (const src of copies) expect(fs.existsSync(path.join(root, src)), src).toBe(true);
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)![1]!;
    expect((JSON.parse(cmd) as string[]).join(' ')).toBe(pkg.scripts.start);
  });
});
