import request from 'supertest';
import { PasswordService } from '../../src/auth/password.service.js';
import { TotpService } from '../../src/auth/totp.service.js';
import { Clock } from '../../src/common/clock.js';
import { Db } from '../../src/database/db.service.js';
import { seedIdentity, type DemoWorld } from '../../src/demo/demo-seed.service.js';
import type { TestApp } from '../support/test-app.js';

export const TEST_PASSWORD = 'correct horse battery staple 42';

export interface World extends DemoWorld {
  t: TestApp;
  totpSecrets: Record<string, string>;
}

/**
 * The demo geography, organisations and users (same code as the demo seed), inserted through the app's
 * own database helper, with TOTP enrolled for the roles that need MFA.
 */
export async function buildWorld(t: TestApp, mfaUsers: string[] = ['admin', 'privacy', 'researcher']): Promise<World> {
  const passwords = t.app.get(PasswordService);
  const totp = t.app.get(TotpService);
  const db = t.app.get(Db);
  const hash = await passwords.hash(TEST_PASSWORD);
  const world = await db.tx(null, (tx) => seedIdentity(tx, hash));
  const totpSecrets: Record<string, string> = {};
  await db.tx(null, async (tx) => {
    for (const username of mfaUsers) {
      const id = world.userIds[username];
      const secret = totp.newSecret();
      totpSecrets[username] = secret;
      await tx.exec(`UPDATE users SET totp_secret_enc = $2, totp_key_id = $3, mfa_enrolled = true WHERE id = $1`, [id, totp.encrypt(id, secret), totp.keyId]);
    }
  });
  return { ...world, t, totpSecrets };
}

/** A TOTP code for the app's current clock. Each call moves the clock one step on, so codes never replay. */
export async function freshTotp(w: World, username: string): Promise<string> {
  const clock = w.t.app.get(Clock);
  clock.advance(31_000);
  return w.t.app.get(TotpService).codeAt(w.totpSecrets[username], Math.floor(clock.nowMs() / 1000));
}

/** Logs in (with a fresh TOTP code where the user has one) and returns the bearer token. */
export async function login(w: World, username: string, password = TEST_PASSWORD): Promise<string> {
  const body: Record<string, string> = { username, password };
  if (w.totpSecrets[username]) body.totp = await freshTotp(w, username);
  const res = await request(w.t.server).post('/api/v1/auth/login').send(body);
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** SQL as the connecting (owner) role, bypassing the app role's grants: for arranging test situations only. */
export async function ownerQuery<T = Record<string, unknown>>(w: { t: TestApp }, sql: string, params: unknown[] = []): Promise<T[]> {
  const r = await w.t.app.get(Db).pool.query(sql, params);
  return r.rows as T[];
}
