import { ApiKey } from '../api-keys/api-key.entity.js';
import { LoginThrottle } from '../auth/login-throttle.entity.js';
import { RecoveryCode } from '../auth/recovery-code.entity.js';
import { Session } from '../auth/session.entity.js';
import { Area } from '../organisations/area.entity.js';
import { Organisation } from '../organisations/organisation.entity.js';
import { User } from '../users/user.entity.js';

/** Every TypeORM entity, in one list shared by the app, the CLI data source and the drift check. */
export const ENTITIES: Function[] = [Area, Organisation, User, Session, RecoveryCode, LoginThrottle, ApiKey];
