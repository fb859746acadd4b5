import { ApiKey } from '../api-keys/api-key.entity.js';
import { LoginThrottle } from '../auth/login-throttle.entity.js';
import { RecoveryCode } from '../auth/recovery-code.entity.js';
import { Session } from '../auth/session.entity.js';
import { BreakGlassGrant } from '../break-glass/break-glass-grant.entity.js';
import { CareReferral } from '../care-referrals/care-referral.entity.js';
import { CaseTransition } from '../cases/case-transition.entity.js';
import { Case } from '../cases/case.entity.js';
import { Conversation } from '../conversations/conversation.entity.js';
import { FollowUpContact } from '../follow-ups/follow-up-contact.entity.js';
import { IdempotencyKey } from '../idempotency/idempotency-key.entity.js';
import { Area } from '../organisations/area.entity.js';
import { Organisation } from '../organisations/organisation.entity.js';
import { Referral } from '../referrals/referral.entity.js';
import { SubjectMerge } from '../subjects/subject-merge.entity.js';
import { Subject } from '../subjects/subject.entity.js';
import { User } from '../users/user.entity.js';
import { VisitAttempt } from '../visits/visit-attempt.entity.js';
import { VisitVisitor } from '../visits/visit-visitor.entity.js';
import { Visit } from '../visits/visit.entity.js';

/** Every TypeORM entity, in one list shared by the app, the CLI data source and the drift check. */
export const ENTITIES: Function[] = [
  Area,
  Organisation,
  User,
  Session,
  RecoveryCode,
  LoginThrottle,
  ApiKey,
  Subject,
  SubjectMerge,
  Case,
  CaseTransition,
  Referral,
  BreakGlassGrant,
  IdempotencyKey,
  Visit,
  VisitVisitor,
  VisitAttempt,
  Conversation,
  CareReferral,
  FollowUpContact,
];
