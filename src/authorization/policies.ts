import { apiKeysPolicy } from '../api-keys/api-keys.policy.js';
import { accountPolicy } from '../auth/account.policy.js';
import { organisationsPolicy } from '../organisations/organisations.policy.js';
import { usersPolicy } from '../users/users.policy.js';
import type { Policy } from './ability.factory.js';

/** Every subject's policy. The rules of the whole system are the union of these files. */
export const POLICIES: Policy[] = [accountPolicy, usersPolicy, organisationsPolicy, apiKeysPolicy];
