import { Inject, Injectable } from '@nestjs/common';
import { AbilityBuilder, createMongoAbility, type MongoAbility, type MongoQuery } from '@casl/ability';
import type { Actor } from '../common/actor.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { Action, SubjectType } from './actions.js';
import { POLICIES } from './policies.js';

/** A subject instance: the access facts of one record, tagged with its type by CASL's `subject()`. */
export type SubjectRecord = Record<string, unknown> & { __caslSubjectType__?: SubjectType };
export type AppAbility = MongoAbility<[Action, SubjectType | SubjectRecord], MongoQuery>;

export interface PolicyContext {
  actor: Actor;
  settings: AppConfig['workflow'];
}
export type PolicyRules = Pick<AbilityBuilder<AppAbility>, 'can' | 'cannot'>;
/** One policy per subject: `can`/`cannot` lines that read like the policy text. */
export type Policy = (rules: PolicyRules, ctx: PolicyContext) => void;

const CACHE_LIMIT = 5000;

/**
 * Builds the CASL ability of an actor from every policy file. Cached per principal and rights version:
 * every change of roles or districts bumps `rights_version`, which the session lookup reads per request.
 */
@Injectable()
export class AbilityFactory {
  private readonly cache = new Map<string, AppAbility>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  for(actor: Actor): AppAbility {
    const key = `${actor.type}:${actor.userId ?? actor.apiKeyId}:${actor.rightsVersion}:${actor.roles.join(',')}:${actor.districtIds.join(',')}:${actor.organisationId}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const ability = buildAbility(actor, this.config.workflow);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, ability);
    return ability;
  }
}

export function buildAbility(actor: Actor, settings: AppConfig['workflow']): AppAbility {
  const builder = new AbilityBuilder<AppAbility>(createMongoAbility);
  const ctx: PolicyContext = { actor, settings };
  for (const policy of POLICIES) policy(builder, ctx);
  return builder.build({
    detectSubjectType: (s) => (typeof s === 'string' ? s : (s as SubjectRecord).__caslSubjectType__) as SubjectType,
  });
}
