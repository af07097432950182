/** Secrets (passwords, key hashes, PPP passwords, vendor tokens) are never reachable through the API. */
import { isObjectType, isInterfaceType } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type Caller, type TestApi } from '../../../test/api.ts';
import { schema } from './schema/index.ts';

let api: TestApi;
let admin: Caller;
beforeAll(async () => {
  api = await createTestApi({ subscribers: 60 });
  admin = await api.as('admin');
  await api.db.pool.query(`INSERT INTO vendor_tokens (source, token) VALUES ('ISPCUBE', 'ispcube-secret-token-123')`);
});

describe('secrets', () => {
  it('have no field in the schema (only the two one-time tokens)', () => {
    const suspicious: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      for (const field of Object.keys(type.getFields())) {
        // PPP "secrets" are RouterOS accounts (their fields are listed and checked below); the
        // device actions on them (disableSecret, enableSecret, setSecretProfile) return a DeviceAction.
        if (
          /password|hash|secret|token/i.test(field) &&
          !/^(pppSecrets?|secrets|secretCount)$/.test(field) &&
          !(type.name === 'Mutation' && /^(disable|enable)Secret$|^setSecretProfile$/.test(field))
        )
          suspicious.push(`${type.name}.${field}`);
      }
    }
    expect(suspicious.sort()).toEqual(['CreatedApiKey.token', 'LoginPayload.token']);
    const pppSecretFields = Object.keys((schema.getType('PppSecret') as never as { getFields(): object }).getFields());
    expect(pppSecretFields.filter((f) => /pass/i.test(f))).toEqual([]);
    expect(Object.keys(schema.getTypeMap()).filter((n) => /VendorToken|UserSession/.test(n))).toEqual([]);
  });

  it('do not leak through vendor payloads, users or keys', async () => {
    const pppPasswords = api.seeded!.world.secrets.map((s) => s.password);
    const res = await admin.query(`{
      pppSecrets(first: 100) { nodes { name vendorPayload } }
      routers(first: 10) { nodes { vendorPayload secrets(first: 100) { nodes { vendorPayload } } } }
      users(first: 100, includeInactive: true) { nodes { username email } }
      apiKeys(includeRevoked: true) { name prefix }
      auditEntries(first: 100) { nodes { before after } }
    }`);
    expect(res.errors ?? []).toEqual([]);
    const text = JSON.stringify(res);
    expect(text).not.toMatch(/"password"/);
    expect(text).not.toContain('scrypt$');
    expect(text).not.toContain('ispcube-secret-token-123');
    for (const p of pppPasswords) expect(text).not.toContain(`"${p}"`);
    const stored = await api.db.pool.query(`SELECT count(*)::int AS n FROM ppp_secrets WHERE raw ? 'password'`);
    expect(stored.rows[0].n).toBe(0);
  });
});
