import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { ProcessingActivity } from '../common/actor.js';
import type { Role } from '../config/app-config.js';
import type { Action, SubjectType } from './actions.js';

export const PUBLIC_KEY = 'doorstep:public';
export const CAN_KEY = 'doorstep:can';
export const PURPOSE_KEY = 'doorstep:purpose';
export const ALLOW_RESTRICTED_KEY = 'doorstep:allow-restricted';

export interface CanDeclaration {
  action: Action;
  subject: SubjectType;
}

export type PurposeDeclaration = ProcessingActivity | Partial<Record<Role, ProcessingActivity>>;

/** Opens one handler to anonymous callers. Read from the handler only, so a controller cannot be opened whole. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Route-level permission: the caller's role must have some rule for this action on this subject type. */
export const Can = (action: Action, subject: SubjectType) =>
  applyDecorators(SetMetadata(CAN_KEY, { action, subject } satisfies CanDeclaration), ApiBearerAuth());

/** The processing activity of the register that this route serves; one per route, or one per role. */
export const Purpose = (purpose: PurposeDeclaration) => SetMetadata(PURPOSE_KEY, purpose);

/** The few account routes a session that still has to enrol in MFA may use. */
export const AllowRestrictedSession = () => SetMetadata(ALLOW_RESTRICTED_KEY, true);
