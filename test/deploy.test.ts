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
  });

  it('publishes only the TLS proxy: Emerald and PostgreSQL are reachable inside the network alone', () => {
    const published = Object.entries(compose.services).filter(([, s]) => s.ports);
    expect(published.map(([name]) => name)).toEqual(['caddy']);
    expect(compose.services.caddy!.ports).toEqual(['80:80', '443:443', '443:443/udp']);
    const server = compose.services.server!;
    const env = server.environment as Record<string, string>;
    expect(server.expose).toContain(env.PORT);
    expect(dockerfile).toMatch(new RegExp(`EXPOSE ${env.PORT}\\b`));
    // Users open https://EMERALD_DOMAIN: cookies are Secure (production) and the origin is allowed.
    expect(env.PUBLIC_URL).toBe('https://${EMERALD_DOMAIN}');
    expect(env.NODE_ENV).toBe('production');
  });

  it('terminates TLS in Caddy with automatic certificates and passes everything, WebSockets included, to the server', () => {
    const caddy = compose.services.caddy!;
    expect(caddy.image).toMatch(/^caddy:2/);
    const volumes = caddy.volumes as string[];
    expect(volumes).toContain('./deploy/Caddyfile:/etc/caddy/Caddyfile:ro');
    // Certificates and keys survive re-creating the container.
    expect(volumes.map((v) => v.split(':')[0]).filter((v): v is string => v !== undefined && v in compose.volumes)).toEqual([
      'caddy_data',
      'caddy_config',
    ]);
    expect((caddy.environment as Record<string, string>).EMERALD_DOMAIN).toMatch(/^\$\{EMERALD_DOMAIN:\?/);
    const caddyfile = fs.readFileSync(path.join(root, 'deploy', 'Caddyfile'), 'utf8').replace(/^\s*#.*$/gm, '');
    const site = /\{\$EMERALD_DOMAIN\}\s*\{([\s\S]*)\}\s*$/.exec(caddyfile);
    expect(site, 'one site block for EMERALD_DOMAIN').not.toBeNull();
    expect(site![1]).toMatch(/\btls \{\$EMERALD_TLS\}/);
    const port = (compose.services.server!.environment as Record<string, string>).PORT;
    expect(site![1]).toMatch(new RegExp(`reverse_proxy server:${port}\\b`));
    // Nothing restricts the proxied paths (so /graphql's WebSocket upgrade passes) except /metrics.
    expect([...site![1]!.matchAll(/^\s*(reverse_proxy|handle|route|respond)\b.*$/gm)].map((m) => m[0].trim())).toEqual([
      'respond /metrics 404',
      `reverse_proxy server:${port} {`,
    ]);
    // The server believes X-Forwarded-For from Caddy's fixed address only.
    const caddyAddress = (caddy.networks as Record<string, { ipv4_address: string }>).backend!.ipv4_address;
    expect((compose.services.server!.environment as Record<string, string>).TRUST_PROXY).toBe(caddyAddress);
    const subnet = (compose as unknown as { networks: { backend: { ipam: { config: { subnet: string }[] } } } }).networks.backend.ipam
      .config[0]!.subnet;
    expect(caddyAddress.startsWith(subnet.replace(/0\/24$/, ''))).toBe(true);
  });

  it('checks health with /readyz for the API and the heartbeat for workers', () => {
    for (const name of ['server', 'worker']) {
      expect((compose.services[name]!.healthcheck as { test: string[] }).test).toEqual([
        'CMD',
        'node',
        '--import',
        'tsx',
        'scripts/healthcheck.ts',
      ]);
    }
    const script = fs.readFileSync(path.join(root, 'scripts', 'healthcheck.ts'), 'utf8');
    expect(script).toContain('/readyz');
    expect(script).toContain('worker_heartbeats');
  });

  it('only sets variables Emerald reads', () => {
    for (const name of ['server', 'worker']) {
      for (const key of Object.keys(compose.services[name]!.environment as object)) expect(knownEnvVars).toContain(key);
    }
    // Attachments go to the compose MinIO, with its root credentials.
    const server = compose.services.server!.environment as Record<string, string>;
    const minio = compose.services.minio!;
    expect(server.FILES_STORAGE).toBe('s3');
    expect(server.S3_ENDPOINT).toBe('http://minio:9000');
    expect(server.S3_ACCESS_KEY_ID).toBe((minio.environment as Record<string, string>).MINIO_ROOT_USER);
    expect(server.S3_SECRET_ACCESS_KEY).toBe('${MINIO_ROOT_PASSWORD}');
    expect(minio.ports).toBeUndefined();
    expect((minio.volumes as string[])[0]!.split(':')[0]! in compose.volumes).toBe(true);
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
    // The current Node.js LTS line.
    expect(stages).toEqual([
      ['node:24-bookworm-slim', 'build'],
      ['node:24-bookworm-slim', 'runtime'],
    ]);
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile).toContain('npm prune --omit=dev');
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*scripts\/healthcheck\.ts/);
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
