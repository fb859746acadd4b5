// JSON schemas of the four routes (the app's DTOs as JSON Schema): unknown fields are rejected (additionalProperties
// false with Ajv's removeAdditional off), and the responses have schemas so Fastify serialises with fast-json-stringify.
import { dist } from '../lib/paths.mjs';

const E = await import(dist('src/common/domain-enums.js'));

const UUID4 = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-4[0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$';
const ISO_DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';
const CLEAN = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$';
const str = (min, max, extra = {}) => ({ type: 'string', minLength: min, maxLength: max, pattern: CLEAN, ...extra });
const nullable = (t) => ({ type: [t, 'null'] });

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: [...E.CASE_STATES] },
    districtId: { type: 'string', pattern: UUID4 },
    assignedToMe: { type: 'string', enum: ['true', 'false'] },
    overdue: { type: 'string', enum: ['true', 'false'] },
    hasUnreviewedSignal: { type: 'string', enum: ['true', 'false'] },
    limit: { type: 'integer', minimum: 1, maximum: 100 },
    cursor: { type: 'string', maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' },
  },
};

export const idParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: UUID4 } } };

const listItem = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    state: { type: 'string' },
    districtId: { type: 'string' },
    subject: { type: 'object', properties: { displayName: { type: 'string' }, ageAtReferral: { type: 'integer' } } },
    nextVisitAt: nullable('string'),
    overdue: { type: 'boolean' },
    version: { type: 'integer' },
    createdAt: { type: 'string' },
    stateChangedAt: { type: 'string' },
    priority: { type: 'string' },
    hasUnreviewedSignal: { type: 'boolean' },
    reReferral: { type: 'boolean' },
    caseManagerUserId: nullable('string'),
  },
};
export const listResponse = { 200: { type: 'object', properties: { items: { type: 'array', items: listItem }, nextCursor: nullable('string') } } };

const address = {
  type: 'object',
  additionalProperties: false,
  required: ['street', 'houseNumber', 'postcode', 'municipality'],
  properties: {
    street: str(1, 100),
    houseNumber: { type: 'string', pattern: '^[1-9][0-9]{0,4}[ -]?[A-Za-z0-9]{0,4}$' },
    postcode: { type: 'string', pattern: '^[1-9][0-9]{3} ?[A-Za-z]{2}$' },
    municipality: str(2, 100),
  },
};
const guardian = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'relation'],
  properties: { name: str(1, 200), relation: { type: 'string', enum: [...E.GUARDIAN_RELATIONS] }, phone: { type: 'string', pattern: '^\\+?[0-9][0-9 ()-]{7,18}$' } },
};
export const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['sourceType', 'legalBasisCode', 'reasonCodes', 'subject'],
  properties: {
    sourceType: { type: 'string', enum: [...E.SOURCE_TYPES] },
    receivedAt: { type: 'string', pattern: ISO_DATE_TIME },
    legalBasisCode: { type: 'string', pattern: '^[A-Z0-9_]{2,64}$' },
    reasonCodes: { type: 'array', minItems: 1, maxItems: 7, uniqueItems: true, items: { type: 'string', enum: [...E.REASON_CODES] } },
    incidentMonth: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' },
    externalReference: str(1, 100),
    amountBand: { type: 'string', enum: [...E.AMOUNT_BANDS] },
    fraudType: { type: 'string', enum: [...E.FRAUD_TYPES] },
    bankRegistrationStatus: { type: 'string', enum: [...E.BANK_REGISTRATION_STATUSES] },
    consentObtainedByReferrer: {
      type: 'object',
      additionalProperties: false,
      required: ['given'],
      properties: { given: { type: 'boolean' }, date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
    },
    subject: {
      type: 'object',
      additionalProperties: false,
      required: ['givenNames', 'familyName', 'dateOfBirth', 'address'],
      properties: {
        givenNames: str(1, 100),
        familyName: str(1, 100),
        dateOfBirth: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
        sex: { type: 'string', enum: [...E.SEXES] },
        address,
        phone: { type: 'string', pattern: '^\\+?[0-9][0-9 ()-]{7,18}$' },
        guardians: { type: 'array', maxItems: 4, items: guardian },
      },
    },
    notes: str(0, 500),
  },
};
export const createResponse = {
  201: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      receivedAt: { type: 'string' },
      status: { type: 'string' },
      caseId: { type: 'string' },
      subjectMatch: { type: 'string' },
      warnings: { type: 'array', items: { type: 'string' } },
    },
  },
};

export const attemptBody = {
  type: 'object',
  additionalProperties: false,
  required: ['occurredAt', 'result', 'cardLeft', 'spokeWith'],
  properties: {
    occurredAt: { type: 'string', pattern: ISO_DATE_TIME },
    result: { type: 'string', enum: [...E.ATTEMPT_RESULTS] },
    cardLeft: { type: 'boolean' },
    spokeWith: { type: 'string', enum: [...E.SPOKE_WITH] },
    onBehalfOfUserId: { type: 'string', pattern: UUID4 },
  },
};
export const attemptResponse = {
  201: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      visitId: { type: 'string' },
      caseId: { type: 'string' },
      attemptNo: { type: 'integer' },
      occurredAt: { type: 'string' },
      weekday: { type: 'string' },
      timeSlot: { type: 'string' },
      result: { type: 'string' },
      countsTowardMax: { type: 'boolean' },
      cardLeft: { type: 'boolean' },
      spokeWith: { type: 'string' },
      recordedByUserId: { type: 'string' },
      onBehalfOfUserId: nullable('string'),
      caseState: { type: 'string' },
      warnings: { type: 'array', items: { type: 'string' } },
      version: { type: 'integer' },
    },
  },
};

/** What JSON Schema cannot say: real calendar dates in the past, not-in-the-future timestamps and months. */
export function checkCreateBody(b) {
  const errors = [];
  const pastDate = (v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v && v >= '1900-01-01' && d.getTime() <= Date.now();
  };
  if (!pastDate(b.subject.dateOfBirth)) errors.push({ field: 'subject.dateOfBirth', code: 'IS_PAST_DATE', message: 'dateOfBirth must be a date YYYY-MM-DD, not in the future' });
  if (b.receivedAt && Date.parse(b.receivedAt) > Date.now() + 5 * 60_000) errors.push({ field: 'receivedAt', code: 'NOT_IN_FUTURE', message: 'receivedAt must not be in the future' });
  if (b.consentObtainedByReferrer?.date && !pastDate(b.consentObtainedByReferrer.date)) errors.push({ field: 'consentObtainedByReferrer.date', code: 'IS_PAST_DATE', message: 'date must be a date YYYY-MM-DD, not in the future' });
  if (b.incidentMonth) {
    const now = new Date();
    const current = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    if (b.incidentMonth > current || b.incidentMonth < '1990-01') errors.push({ field: 'incidentMonth', code: 'IS_PAST_MONTH', message: 'incidentMonth must be a month YYYY-MM, not in the future' });
  }
  return errors;
}

export function checkAttemptBody(b) {
  const t = Date.parse(b.occurredAt);
  if (Number.isNaN(t)) return [{ field: 'occurredAt', code: 'IS_DATE_STRING', message: 'occurredAt must be a valid ISO 8601 date string' }];
  if (t > Date.now() + 5 * 60_000) return [{ field: 'occurredAt', code: 'NOT_IN_FUTURE', message: 'occurredAt must not be in the future' }];
  return [];
}
