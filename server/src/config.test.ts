import { describe, expect, it } from 'vitest';
import { knownEnvVars, loadConfig } from './config.ts';
import { StartupError } from './startupError.ts';

function fails(env: Record<string, string>): StartupError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(StartupError);
    return error as StartupError;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('has working defaults: embedded database, demo mode, API and worker', () => {
    const c = loadConfig({});
    expect(c.database.url).toBeUndefined();
    expect(c.database.dataDir).toMatch(/\.emerald$/);
    expect(c.demo.enabled).toBe(true);
    expect(c.processes).toEqual({ api: true, worker: true });
    expect(c.http.port).toBe(4000);
    expect(c.thresholds).toEqual({ opticalOverloadDbm: -8, opticalWarningDbm: -25, opticalCriticalDbm: -27 });
  });

  it('names the bad variable', () => {
    expect(fails({ PORT: 'eighty' }).message).toMatch(/^Invalid configuration: PORT .*\(got "eighty"\)$/);
    expect(fails({ DATABASE_URL: 'mysql://x@y/z' }).message).toMatch(/^Invalid configuration: DATABASE_URL/);
    expect(fails({ EMERALD_PROCESSES: 'api,mailer' }).message).toMatch(/^Invalid configuration: EMERALD_PROCESSES/);
    expect(fails({ ROUTEROS_CREDENTIALS: '{not json' }).message).toMatch(/^Invalid configuration: ROUTEROS_CREDENTIALS must be JSON/);
  });

  it('runs demo mode in one process only', () => {
    expect(fails({ EMERALD_PROCESSES: 'worker' }).message).toMatch(/demo mode runs the API, the worker and the simulators in one process/);
    expect(fails({ EMERALD_PROCESSES: 'api', EMERALD_DEMO: 'on' }).message).toMatch(/EMERALD_DEMO=off/);
  });

  it('never echoes secret values in errors', () => {
    const error = fails({ DATABASE_URL: 'postgres://user:hunter2@' });
    expect(error.message).not.toContain('hunter2');
  });

  it('requires vendor credentials as complete groups', () => {
    expect(fails({ ISPCUBE_URL: 'https://x.ispcube.com/api' }).message).toMatch(
      /ISPCUBE_API_KEY, ISPCUBE_CLIENT_ID, ISPCUBE_USERNAME, ISPCUBE_PASSWORD must be set together/,
    );
  });

  it('leaves demo mode when any vendor is configured, and refuses to force it on then', () => {
    const env = { SMARTOLT_URL: 'https://isp.smartolt.com/api', SMARTOLT_TOKEN: 't' };
    expect(loadConfig(env).demo.enabled).toBe(false);
    expect(loadConfig(env).smartolt?.hourlyBudget).toBe(1000);
    expect(fails({ ...env, EMERALD_DEMO: 'on' }).message).toMatch(/EMERALD_DEMO=on cannot be combined/);
    expect(loadConfig({ EMERALD_DEMO: 'off' }).demo.enabled).toBe(false);
  });

  it('parses per-router credentials, keyed by ISPCube node id only, with an optional certificate fingerprint', () => {
    const fp = Array.from({ length: 32 }, () => 'ab').join(':');
    const c = loadConfig({
      ROUTEROS_CREDENTIALS: `{"12":{"user":"api","password":"s3cret","port":8729,"tls":true,"fingerprint":"${fp}"}}`,
    });
    expect(c.routeros.perRouter['12']).toEqual({ user: 'api', password: 's3cret', port: 8729, tls: true, fingerprint: fp.toUpperCase() });
    // A name could be given to another router by whoever edits nodes in ISPCube.
    expect(fails({ ROUTEROS_CREDENTIALS: '{"NAS-1":{"user":"api","password":"x"}}' }).message).toMatch(
      /"NAS-1": keys are ISPCube node ids/,
    );
    expect(fails({ ROUTEROS_CREDENTIALS: '{"1":{"user":"api","password":"x","fingerprint":"12:34"}}' }).message).toMatch(
      /SHA-256 fingerprint/,
    );
  });

  it('parses networks and origins, and keeps router credentials inside private networks by default', () => {
    const c = loadConfig({
      TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,fd00::/8',
      CORS_ORIGINS: 'https://noc.isp.example/path',
      PUBLIC_URL: 'https://emerald.isp.example',
    });
    expect(c.http.trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', 'fd00::/8']);
    expect(c.http.allowedOrigins).toEqual(['https://emerald.isp.example', 'https://noc.isp.example']);
    expect(c.routeros.allowedNetworks).toContain('10.0.0.0/8');
    expect(fails({ TRUST_PROXY: '10.0.0.0/33' }).message).toMatch(/TRUST_PROXY "10.0.0.0\/33" is not an IP address or a network/);
    expect(fails({ ROUTEROS_ALLOWED_NETWORKS: 'router.isp' }).message).toMatch(/ROUTEROS_ALLOWED_NETWORKS/);
  });

  it('refuses demo mode in production, and hides GraphiQL and introspection from anonymous callers there', () => {
    expect(fails({ NODE_ENV: 'production' }).message).toMatch(/demo mode is refused under NODE_ENV=production/);
    const prod = loadConfig({ NODE_ENV: 'production', EMERALD_DEMO: 'off' });
    expect(prod.http).toMatchObject({ graphiql: 'signed-in', introspection: 'signed-in', cookieSecure: true });
    expect(loadConfig({}).http).toMatchObject({ graphiql: 'on', introspection: 'on' });
  });

  it('checks that optical thresholds are ordered', () => {
    expect(fails({ OPTICAL_WARNING_DBM: '-28' }).message).toMatch(/OPTICAL_CRITICAL_DBM < OPTICAL_WARNING_DBM/);
  });

  it('treats empty strings as unset (as .env files write them)', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.url).toBeUndefined();
  });

  it('knows every variable .env.example documents', async () => {
    const fs = await import('node:fs');
    const example = fs.readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(new Set(documented)).toEqual(new Set(knownEnvVars));
  });
});
