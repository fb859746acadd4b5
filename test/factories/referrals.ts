import request from 'supertest';
import { bearer, type World } from './world.js';

import { randomBytes } from 'node:crypto';

let counter = 0;

/** A random pronounceable word, so generated people never look like near-duplicates of each other. */
export function randomName(len = 8): string {
  const consonants = 'bdfghjklmnprstvwz';
  const vowels = 'aeiou';
  const bytes = randomBytes(len);
  const s = Array.from(bytes, (b, i) => (i % 2 === 0 ? consonants[b % consonants.length] : vowels[b % vowels.length])).join('');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function randomBirthDate(): string {
  const b = randomBytes(3);
  return `${2000 + (b[0] % 8)}-${String(1 + (b[1] % 12)).padStart(2, '0')}-${String(1 + (b[2] % 28)).padStart(2, '0')}`;
}

/** A valid referral body; every call invents a new person unless `subject` is overridden. */
export function referralBody(overrides: Record<string, unknown> = {}, subject: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  const n = `${Date.now().toString(36)}${counter}`;
  return {
    sourceType: 'BANK',
    legalBasisCode: 'COVENANT_ART_5',
    reasonCodes: ['ACCOUNT_USED_FOR_FRAUD'],
    incidentMonth: '2026-09',
    externalReference: `INC-${n}`,
    amountBand: '1K_5K',
    fraudType: 'MARKETPLACE',
    subject: {
      givenNames: `Testy ${randomName(6)}`,
      familyName: randomName(9),
      dateOfBirth: randomBirthDate(),
      sex: 'MALE',
      address: { street: 'Teststraat', houseNumber: '12a', postcode: '3511 AB', municipality: 'Utrecht' },
      phone: '0612345678',
      ...subject,
    },
    ...overrides,
  };
}

/** Posts a referral as the given token (a supertest request: chain `.expect(status)`). */
export function postReferral(w: World, token: string, body: Record<string, unknown>, idempotencyKey?: string) {
  const req = request(w.t.server).post('/api/v1/referrals').set(bearer(token));
  if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
  return req.send(body);
}

/** Creates a referral as a coordinator (who sees the case id) and returns { referralId, caseId, subjectId }. */
export async function createCase(w: World, coordToken: string, subject: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) {
  const res = await postReferral(w, coordToken, referralBody(overrides, subject));
  if (res.status !== 201) throw new Error(`referral failed: ${res.status} ${JSON.stringify(res.body)}`);
  const detail = await request(w.t.server).get(`/api/v1/cases/${res.body.caseId}`).set(bearer(coordToken)).expect(200);
  return { referralId: res.body.id as string, caseId: res.body.caseId as string, subjectId: detail.body.subject.id as string, version: detail.body.version as number };
}

/** A pending response with supertest's `.expect(status)` (the status is checked with the body in the message). */
export function expecting(p: Promise<request.Response>) {
  return Object.assign(p, {
    expect: async (status: number) => {
      const r = await p;
      if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
      return r;
    },
  });
}

/** Moves a case as a coordinator, with the current version as If-Match. */
export function move(w: World, token: string, caseId: string, body: Record<string, unknown>) {
  return expecting(
    (async () => {
      const current = await request(w.t.server).get(`/api/v1/cases/${caseId}`).set(bearer(token)).expect(200);
      return request(w.t.server).post(`/api/v1/cases/${caseId}/transitions`).set(bearer(token)).set('If-Match', `"${current.body.version}"`).send(body);
    })(),
  );
}

/** Triage to READY_TO_PLAN: police clearance, address verification, then the move. */
export async function makeReadyToPlan(w: World, token: string, caseId: string) {
  await move(w, token, caseId, { to: 'TRIAGE' }).then((r) => expectOk(r, 'TRIAGE'));
  const c = await request(w.t.server).get(`/api/v1/cases/${caseId}`).set(bearer(token)).expect(200);
  await request(w.t.server)
    .patch(`/api/v1/cases/${caseId}`)
    .set(bearer(token))
    .set('If-Match', `"${c.body.version}"`)
    .send({ policeClearance: { confirmedAt: new Date(Date.now() - 3_600_000).toISOString(), policeOrganisationId: w.orgIds.police, reference: 'PCL-1' } })
    .then((r) => expectOk(r, 'police clearance'));
  const s = await request(w.t.server).get(`/api/v1/subjects/${c.body.subject.id}`).set(bearer(token)).expect(200);
  await request(w.t.server)
    .patch(`/api/v1/subjects/${c.body.subject.id}`)
    .set(bearer(token))
    .set('If-Match', `"${s.body.version}"`)
    .send({ addressVerifiedAt: new Date(Date.now() - 60_000).toISOString() })
    .then((r) => expectOk(r, 'address verification'));
  await move(w, token, caseId, { to: 'READY_TO_PLAN' }).then((r) => expectOk(r, 'READY_TO_PLAN'));
}

function expectOk(res: request.Response, what: string) {
  if (res.status >= 300) throw new Error(`${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}
