import { apiKeysPolicy } from '../api-keys/api-keys.policy.js';
import { accountPolicy } from '../auth/account.policy.js';
import { breakGlassPolicy } from '../break-glass/break-glass.policy.js';
import { casesPolicy } from '../cases/cases.policy.js';
import { labelsPolicy } from '../labels/labels.policy.js';
import { organisationsPolicy } from '../organisations/organisations.policy.js';
import { referralsPolicy } from '../referrals/referrals.policy.js';
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
];
