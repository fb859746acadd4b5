import { accountabilityPolicy } from '../accountability/accountability.policy.js';
import { apiKeysPolicy } from '../api-keys/api-keys.policy.js';
import { accountPolicy } from '../auth/account.policy.js';
import { careReferralsPolicy } from '../care-referrals/care-referrals.policy.js';
import { conversationsPolicy } from '../conversations/conversations.policy.js';
import { followUpsPolicy } from '../follow-ups/follow-ups.policy.js';
import { visitAttemptsPolicy } from '../visits/visit-attempts.policy.js';
import { visitsPolicy } from '../visits/visits.policy.js';
import { breakGlassPolicy } from '../break-glass/break-glass.policy.js';
import { casesPolicy } from '../cases/cases.policy.js';
import { labelsPolicy } from '../labels/labels.policy.js';
import { organisationsPolicy } from '../organisations/organisations.policy.js';
import { referralsPolicy } from '../referrals/referrals.policy.js';
import { researchPolicy } from '../research/research.policy.js';
import { subjectsPolicy } from '../subjects/subjects.policy.js';
import { usersPolicy } from '../users/users.policy.js';
import type { Policy } from './ability.factory.js';

/** Every subject's policy. The rules of the whole system are the union of these files. */
export const POLICIES: Policy[] = [
  accountPolicy,
  labelsPolicy,
  usersPolicy,
  organisationsPolicy,
  apiKeysPolicy,
  casesPolicy,
  referralsPolicy,
  subjectsPolicy,
  breakGlassPolicy,
  visitsPolicy,
  visitAttemptsPolicy,
  conversationsPolicy,
  careReferralsPolicy,
  followUpsPolicy,
  accountabilityPolicy,
  researchPolicy,
];
