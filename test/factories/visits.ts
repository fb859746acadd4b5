import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { startOfLocalDay } from '../../src/common/time-zone.js';
import { expecting } from './referrals.js';
import { bearer, ownerQuery, type World } from './world.js';

const TZ = 'Europe/Amsterdam';

/** A moment `days` from today at a local hour in Europe/Amsterdam. */
export function localTime(days: number, hour: number): Date {
  const day = startOfLocalDay(new Date(Date.now() + days * 86_400_000), TZ);
  return new Date(day.getTime() + hour * 3_600_000);
}

/**
 * Plans a visit tomorrow at `hour` with the district's pair, then (when `daysAgo` is given) moves it to that
 * many days ago at the same hour, so an attempt can be recorded at its planned time without a future date.
 */
export async function planVisit(w: World, coordToken: string, caseId: string, opts: { hour: number; daysAgo?: number; visitors?: string[]; body?: Record<string, unknown> }) {
  const start = localTime(1, opts.hour);
  const res = await request(w.t.server)
    .post(`/api/v1/cases/${caseId}/visits`)
    .set(bearer(coordToken))
    .send({
      plannedStart: start.toISOString(),
      plannedEnd: new Date(start.getTime() + 3_600_000).toISOString(),
      visitorIds: opts.visitors ?? [w.userIds['police.utrecht'], w.userIds['youth.utrecht']],
      safetyNotes: 'Hond aanwezig; bel eerst aan bij de buren',
      ...(opts.body ?? {}),
    });
  if (res.status !== 201) throw new Error(`plan visit failed: ${res.status} ${JSON.stringify(res.body)}`);
  if (opts.daysAgo !== undefined) {
    const shift = `${opts.daysAgo + 1} days`;
    await ownerQuery(w, `UPDATE visits SET planned_start = planned_start - $2::interval, planned_end = planned_end - $2::interval, created_at = created_at - $2::interval WHERE id = $1`, [res.body.id, shift]);
  }
  return { id: res.body.id as string, plannedStart: opts.daysAgo !== undefined ? localTime(-opts.daysAgo, opts.hour) : start, body: res.body };
}

export function recordAttempt(w: World, token: string, visitId: string, body: Record<string, unknown>, key: string = randomUUID()) {
  return request(w.t.server).post(`/api/v1/visits/${visitId}/attempts`).set(bearer(token)).set('Idempotency-Key', key).send({ cardLeft: false, spokeWith: 'NONE', ...body });
}

export function conversationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    location: 'INSIDE',
    parentPresent: true,
    topicsCovered: ['LEGAL_CONSEQUENCES', 'HOW_TO_SAY_NO'],
    recruitmentChannel: 'SNAPCHAT',
    subjectAcknowledgesInvolvement: 'PARTLY',
    coercionIndicated: false,
    debtIndicated: true,
    awarenessBefore: 2,
    awarenessAfter: 4,
    intendsToRefuseFutureRequests: 'YES',
    consentFollowUpContact: { given: true, givenBy: 'SUBJECT' },
    consentCareDataShare: { given: true, scope: ['NAME', 'PHONE'] },
    ...overrides,
  };
}

export function recordConversation(w: World, token: string, visitId: string, body: Record<string, unknown>, key: string = randomUUID()) {
  return request(w.t.server).post(`/api/v1/visits/${visitId}/conversation`).set(bearer(token)).set('Idempotency-Key', key).send(body);
}

/** PATCH with the current version of the resource (fetched through `getPath`). */
export function patchCurrent(w: World, token: string, getPath: string, patchPath: string, body: Record<string, unknown>, pick: (b: Record<string, unknown>) => number) {
  return expecting(
    (async () => {
      const cur = await request(w.t.server).get(getPath).set(bearer(token)).expect(200);
      return request(w.t.server).patch(patchPath).set(bearer(token)).set('If-Match', `"${pick(cur.body)}"`).send(body);
    })(),
  );
}
