import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { PasswordService } from '../../src/auth/password.service.js';
import { TotpService } from '../../src/auth/totp.service.js';
import { Clock } from '../../src/common/clock.js';
import { Db } from '../../src/database/db.service.js';
import { bearer, buildWorld, freshTotp, login, ownerQuery, TEST_PASSWORD, type World } from '../factories/world.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('authentication, sessions, MFA and API keys', () => {
  let t: TestApp;
  let w: World;
  const db = () => t.app.get(Db);
  const clock = () => t.app.get(Clock);

  beforeAll(async () => {
    t = await createTestApp({ LOGIN_IP_MAX_FAILURES: '1000' });
    w = await buildWorld(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('login', () => {
    it('returns a 256-bit token, expiry and the user', async () => {
      const res = await request(t.server).post('/api/v1/auth/login').send({ username: 'coord.utrecht', password: TEST_PASSWORD }).expect(200);
      expect(res.body.token).toMatch(/^dss_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(res.body.token.slice(4), 'base64url')).toHaveLength(32);
      expect(res.body.user).toMatchObject({ username: 'coord.utrecht', roles: ['coordinator'], districtIds: [w.geography.districtIds.UTRECHT_STAD] });
      expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 11 * 3_600_000);
      // Only the digest is stored.
      const raw = await db().tx(null, (tx) => tx.query(`SELECT encode(token_sha256, 'hex') AS h FROM sessions`));
      expect(JSON.stringify(raw)).not.toContain(res.body.token.slice(4));
    });

    it('gives unknown users and wrong passwords byte-identical answers', async () => {
      const a = await request(t.server).post('/api/v1/auth/login').send({ username: 'nobody.here', password: 'whatever-password-123' });
      const b = await request(t.server).post('/api/v1/auth/login').send({ username: 'youth.eemland', password: 'wrong-password-12345' });
      expect(a.status).toBe(401);
      expect(b.status).toBe(401);
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      expect(strip(a.body)).toEqual(strip(b.body));
      expect(a.body.code).toBe('UNAUTHENTICATED');
    });

    it('rejects unknown body fields and malformed input with problem+json', async () => {
      const res = await request(t.server).post('/api/v1/auth/login').send({ username: 'x', password: 'y', isAdmin: true }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'isAdmin', code: 'UNKNOWN_FIELD' })]));
      const malformed = await request(t.server).post('/api/v1/auth/login').set('content-type', 'application/json').send('{"username": ').expect(400);
      expect(malformed.body.code).toBe('MALFORMED_REQUEST');
      const nul = await request(t.server).post('/api/v1/auth/login').send({ username: 'a\u0000b', password: 'x' }).expect(400);
      expect(nul.headers['content-type']).toContain('application/problem+json');
      const form = await request(t.server).post('/api/v1/auth/login').type('form').send('username=a&password=b').expect(415);
      expect(form.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const text = await request(t.server).post('/api/v1/auth/login').set('content-type', 'text/plain').send('hello').expect(415);
      expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const big = await request(t.server).post('/api/v1/auth/login').set('content-type', 'application/json').send(JSON.stringify({ username: 'x', password: 'y'.repeat(1_100_000) })).expect(413);
      expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
      const proto = await request(t.server).post('/api/v1/auth/login').set('content-type', 'application/json').send('{"username":"a","password":"b","__proto__":{"x":1}}').expect(400);
      expect(proto.headers['content-type']).toContain('application/problem+json');
    });

    it('requires TOTP for MFA roles and accepts ±1 step, never a replay', async () => {
      const noCode = await request(t.server).post('/api/v1/auth/login').send({ username: 'privacy', password: TEST_PASSWORD }).expect(401);
      expect(noCode.body.code).toBe('MFA_REQUIRED');
      const totp = t.app.get(TotpService);
      const secret = w.totpSecrets.privacy;
      clock().advance(31_000);
      const now = Math.floor(clock().nowMs() / 1000);
      const previous = await totp.codeAt(secret, now - 30);
      await request(t.server).post('/api/v1/auth/login').send({ username: 'privacy', password: TEST_PASSWORD, totp: previous }).expect(200);
      // The same code again (same step) is a replay.
      await request(t.server).post('/api/v1/auth/login').send({ username: 'privacy', password: TEST_PASSWORD, totp: previous }).expect(401);
      const next = await totp.codeAt(secret, now + 30);
      await request(t.server).post('/api/v1/auth/login').send({ username: 'privacy', password: TEST_PASSWORD, totp: next }).expect(200);
      clock().advance(31_000);
      const tooOld = await totp.codeAt(secret, Math.floor(clock().nowMs() / 1000) - 60);
      await request(t.server).post('/api/v1/auth/login').send({ username: 'privacy', password: TEST_PASSWORD, totp: tooOld }).expect(401);
      const stored = await db().tx(null, (tx) => tx.one<{ enc: Buffer }>(`SELECT totp_secret_enc AS enc FROM users WHERE id = $1`, [w.userIds.privacy]));
      expect(stored!.enc.toString('utf8')).not.toContain(secret);
      expect(() => totp.decrypt(w.userIds.admin, stored!.enc)).toThrow();
    });

    it('gives an MFA role without enrolment a restricted session until it enrols', async () => {
      const userId = w.userIds.researcher;
      await db().tx(null, (tx) => tx.exec(`UPDATE users SET mfa_enrolled = false, totp_secret_enc = NULL WHERE id = $1`, [userId]));
      const res = await request(t.server).post('/api/v1/auth/login').send({ username: 'researcher', password: TEST_PASSWORD }).expect(200);
      expect(res.body.user.mfaEnrolmentRequired).toBe(true);
      const token = res.body.token;
      const blocked = await request(t.server).get('/api/v1/organisations').set(bearer(token)).expect(401);
      expect(blocked.body.code).toBe('MFA_REQUIRED');
      await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(200);
      const enrol = await request(t.server).post('/api/v1/auth/mfa/enroll').set(bearer(token)).expect(200);
      expect(enrol.body.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(enrol.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
      const totp = t.app.get(TotpService);
      clock().advance(31_000);
      const code = await totp.codeAt(enrol.body.secret, Math.floor(clock().nowMs() / 1000));
      const act = await request(t.server).post('/api/v1/auth/mfa/activate').set(bearer(token)).send({ totp: code }).expect(200);
      expect(act.body.recoveryCodes).toHaveLength(10);
      // The restricted session is replaced by a new token.
      await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(401);
      await request(t.server).get('/api/v1/organisations').set(bearer(act.body.token)).expect(200);
      // Recovery codes are single use and stored hashed.
      const rc = act.body.recoveryCodes[0];
      const hashes = await db().tx(null, (tx) => tx.query<{ h: string }>(`SELECT code_hash AS h FROM recovery_codes WHERE user_id = $1`, [userId]));
      expect(hashes.every((r) => r.h.startsWith('$argon2id$'))).toBe(true);
      await request(t.server).post('/api/v1/auth/login').send({ username: 'researcher', password: TEST_PASSWORD, recoveryCode: rc }).expect(200);
      await request(t.server).post('/api/v1/auth/login').send({ username: 'researcher', password: TEST_PASSWORD, recoveryCode: rc }).expect(401);
      w.totpSecrets.researcher = enrol.body.secret;
    });

    it('opens a step-up window of 10 minutes', async () => {
      const token = await login(w, 'privacy');
      const code = await freshTotp(w, 'privacy');
      const res = await request(t.server).post('/api/v1/auth/step-up').set(bearer(token)).send({ totp: code }).expect(200);
      expect(new Date(res.body.validUntil).getTime() - clock().nowMs()).toBeGreaterThan(9 * 60_000);
      await request(t.server).post('/api/v1/auth/step-up').set(bearer(token)).send({ totp: code }).expect(401);
    });
  });

  describe('sessions (controlled clock)', () => {
    it('expires after 30 idle minutes, not before', async () => {
      const token = await login(w, 'youth.utrecht');
      clock().advance(29 * 60_000);
      await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(200);
      clock().advance(29 * 60_000);
      await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(200);
      clock().advance(30 * 60_000 + 1000);
      const res = await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });

    it('expires 12 hours after login even when used', async () => {
      const token = await login(w, 'youth.utrecht');
      for (let i = 0; i < 24; i++) {
        clock().advance(29 * 60_000);
        await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(200);
      }
      clock().advance(25 * 60_000);
      await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(401);
    });

    it('ends at logout, and refuses a token in the query string', async () => {
      const token = await login(w, 'police.utrecht');
      await request(t.server).get(`/api/v1/auth/me?access_token=${token}`).expect(401);
      await request(t.server).post('/api/v1/auth/logout').set(bearer(token)).expect(204);
      await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(401);
    });

    it('applies deactivation and role changes on the very next request', async () => {
      const token = await login(w, 'police.eemland');
      const admin = await login(w, 'admin');
      await request(t.server).get('/api/v1/organisations').set(bearer(token)).expect(200);
      const user = await request(t.server).get(`/api/v1/users/${w.userIds['police.eemland']}`).set(bearer(admin)).expect(200);
      await request(t.server)
        .patch(`/api/v1/admin/users/${w.userIds['police.eemland']}`)
        .set(bearer(admin))
        .set('If-Match', `"${user.body.version}"`)
        .send({ roles: ['researcher'] })
        .expect(200);
      // A researcher cannot list organisations other than their own: the list narrows at once.
      const orgs = await request(t.server).get('/api/v1/organisations').set(bearer(token)).expect(200);
      expect(orgs.body.items.map((o: { id: string }) => o.id)).toEqual([w.orgIds.police]);
      await request(t.server)
        .patch(`/api/v1/admin/users/${w.userIds['police.eemland']}`)
        .set(bearer(admin))
        .set('If-Match', `"${user.body.version + 1}"`)
        .send({ active: false, roles: ['police_officer'] })
        .expect(200);
      await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(401);
    });

    it('looks the token up in one round trip, as doorstep_app whatever role the pool logs in as', async () => {
      const token = await login(w, 'youth.eemland');
      const sent: string[] = [];
      const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
      const query = proto.query;
      proto.query = function (this: unknown, ...args: unknown[]) {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
        if (text) sent.push(text);
        return query.apply(this, args);
      };
      try {
        await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(200);
      } finally {
        proto.query = query;
      }
      // The lookup, then the request's own transaction: no transaction around the lookup.
      expect(sent[0]).toContain('FROM sessions s');
      expect(sent[1]).toMatch(/^BEGIN/);
      // Its privileges are doorstep_app's: the tests' superuser login does not stand in for a missing grant.
      await ownerQuery(w, 'REVOKE SELECT ON sessions FROM doorstep_app');
      try {
        await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(500);
      } finally {
        await ownerQuery(w, 'GRANT SELECT ON sessions TO doorstep_app');
      }
      await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(200);
    });

    it('lets an admin revoke every session of a user', async () => {
      const token = await login(w, 'coord.eemland');
      const admin = await login(w, 'admin');
      const res = await request(t.server).post(`/api/v1/admin/users/${w.userIds['coord.eemland']}/revoke-sessions`).set(bearer(admin)).expect(200);
      expect(res.body.revokedSessions).toBeGreaterThanOrEqual(1);
      await request(t.server).get('/api/v1/auth/me').set(bearer(token)).expect(401);
    });
  });

  describe('throttling', () => {
    it('answers the 6th consecutive failure with 429 and Retry-After, without hashing', async () => {
      const passwords = t.app.get(PasswordService);
      for (let i = 0; i < 5; i++) {
        await request(t.server).post('/api/v1/auth/login').send({ username: 'bank.intake', password: `wrong-${i}-aaaaaaaaaaaa` }).expect(401);
      }
      const before = passwords.hashOperations;
      const res = await request(t.server).post('/api/v1/auth/login').send({ username: 'bank.intake', password: TEST_PASSWORD }).expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.body.code).toBe('RATE_LIMITED');
      expect(passwords.hashOperations).toBe(before);
      // Other accounts are not affected.
      await login(w, 'police.intake');
      // Unknown usernames are throttled alike.
      for (let i = 0; i < 5; i++) await request(t.server).post('/api/v1/auth/login').send({ username: 'ghost', password: `x-${i}` }).expect(401);
      await request(t.server).post('/api/v1/auth/login').send({ username: 'ghost', password: 'x' }).expect(429);
      clock().advance(61_000);
      await login(w, 'bank.intake');
    });
  });

  describe('API keys', () => {
    it('are shown once, act as a referrer of their organisation only, and stop at revocation', async () => {
      const admin = await login(w, 'admin');
      const created = await request(t.server).post('/api/v1/admin/api-keys').set(bearer(admin)).send({ organisationId: w.orgIds['bank-b'], name: 'portal' }).expect(201);
      const key = created.body.key as string;
      expect(key).toMatch(/^dsk_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
      const listed = await request(t.server).get('/api/v1/admin/api-keys').set(bearer(admin)).expect(200);
      expect(JSON.stringify(listed.body)).not.toContain(key.split('_')[2]);
      const stored = await db().tx(null, (tx) => tx.query(`SELECT * FROM api_keys`));
      expect(JSON.stringify(stored)).not.toContain(key.split('_')[2]);
      const orgs = await request(t.server).get('/api/v1/organisations').set(bearer(key)).expect(200);
      expect(orgs.body.items.map((o: { id: string }) => o.id)).toEqual([w.orgIds['bank-b']]);
      await request(t.server).get('/api/v1/admin/api-keys').set(bearer(key)).expect(403);
      await request(t.server).get('/api/v1/users').set(bearer(key)).expect(403);
      await request(t.server).delete(`/api/v1/admin/api-keys/${created.body.id}`).set(bearer(admin)).expect(204);
      await request(t.server).get('/api/v1/organisations').set(bearer(key)).expect(401);
    });

    it('are only issued for organisations that may refer', async () => {
      const admin = await login(w, 'admin');
      const res = await request(t.server).post('/api/v1/admin/api-keys').set(bearer(admin)).send({ organisationId: w.orgIds.debt, name: 'x' }).expect(400);
      expect(res.body.errors[0].code).toBe('NOT_A_REFERRER');
    });
  });

  describe('passwords', () => {
    it('are argon2id with at least the OWASP minimum and follow the policy', async () => {
      const rows = await db().tx(null, (tx) => tx.query<{ h: string }>(`SELECT password_hash AS h FROM users`));
      for (const { h } of rows) {
        const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(h);
        expect(m).not.toBeNull();
        expect(Number(m![1])).toBeGreaterThanOrEqual(19456);
        expect(Number(m![2])).toBeGreaterThanOrEqual(2);
      }
      const admin = await login(w, 'admin');
      const base = { displayName: 'New worker', organisationId: w.orgIds['yw-utrecht'], roles: ['youth_worker'], districtIds: [w.geography.districtIds.UTRECHT_STAD] };
      const short = await request(t.server).post('/api/v1/admin/users').set(bearer(admin)).send({ ...base, username: 'new.worker', password: 'short' }).expect(400);
      expect(short.body.errors[0].code).toBe('TOO_SHORT');
      const withName = await request(t.server).post('/api/v1/admin/users').set(bearer(admin)).send({ ...base, username: 'new.worker', password: 'xx-new.worker-xx-long' }).expect(400);
      expect(withName.body.errors.map((e: { code: string }) => e.code)).toContain('CONTAINS_ACCOUNT_NAME');
      const long = 'L'.repeat(64) + ' a long passphrase of 128 chars ' + 'z'.repeat(32);
      await request(t.server).post('/api/v1/admin/users').set(bearer(admin)).send({ ...base, username: 'new.worker', password: long.slice(0, 128) }).expect(201);
      await request(t.server).post('/api/v1/auth/login').send({ username: 'new.worker', password: long.slice(0, 128) }).expect(200);
      const mixed = await request(t.server).post('/api/v1/admin/users').set(bearer(admin)).send({ ...base, username: 'bad.mix', roles: ['admin', 'coordinator'], password: long.slice(0, 100) }).expect(400);
      expect(mixed.body.errors[0].code).toBe('ADMIN_WITH_CASE_ROLE');
    });

    it('refuses an admin changing their own roles', async () => {
      const admin = await login(w, 'admin');
      const me = await request(t.server).get(`/api/v1/users/${w.userIds.admin}`).set(bearer(admin)).expect(200);
      const res = await request(t.server).patch(`/api/v1/admin/users/${w.userIds.admin}`).set(bearer(admin)).set('If-Match', `"${me.body.version}"`).send({ roles: ['admin', 'privacy_officer'] }).expect(403);
      expect(res.body.fields ?? res.body.detail).toBeDefined();
      const missing = await request(t.server).patch(`/api/v1/admin/users/${w.userIds.admin}`).set(bearer(admin)).send({ displayName: 'x' }).expect(428);
      expect(missing.body.code).toBe('PRECONDITION_REQUIRED');
      const stale = await request(t.server).patch(`/api/v1/admin/users/${w.userIds.admin}`).set(bearer(admin)).set('If-Match', '"999"').send({ displayName: 'x' }).expect(412);
      expect(stale.body.code).toBe('VERSION_CONFLICT');
    });
  });
});
