import { Inject, Injectable } from '@nestjs/common';
import { AbilityFactory, type AppAbility } from '../authorization/ability.factory.js';
import type { Action, SubjectType } from '../authorization/actions.js';
import { asSubject } from '../authorization/fields.js';
import { selectFacts, toSqlScope } from '../authorization/sql-scope.js';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SqlParams, uuidLiteral } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';
import { caseFacts } from './case-scope.js';

export interface CaseFacts {
  id: string;
  subjectId: string;
  state: string;
  version: number;
  districtId: string;
  assignedToActor: boolean;
  visitorWindowOpen: boolean;
  caseOpen: boolean;
  grantActive: boolean;
  activeGrantId: string | null;
  grantReasonSha256: Buffer | null;
  [fact: string]: unknown;
}

export interface BreakGlassAudit {
  breakGlassGrantId?: string;
  breakGlassReasonSha256?: Buffer;
}

/**
 * Layer 3 for cases and everything hanging off a case: loads the access facts of one case in one
 * query (optionally locking it), decides with the caller's CASL ability, and answers 404 for a case
 * the caller may not see — the same answer as for a case that does not exist.
 */
@Injectable()
export class CaseAccess {
  constructor(
    private readonly abilities: AbilityFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  ability(actor: Actor): AppAbility {
    return this.abilities.for(actor);
  }

  facts(p: SqlParams, actor: Actor) {
    return caseFacts(p, actor, this.config.workflow.visitorAfterCloseDays);
  }

  /** WHERE clause over alias `c` from the same rules that decide single records. */
  scope(actor: Actor, action: Action, type: SubjectType, p: SqlParams): string {
    return toSqlScope(this.ability(actor), action, type, this.facts(p, actor), p);
  }

  async load(tx: Tx, actor: Actor, caseId: string, forUpdate = false): Promise<CaseFacts | null> {
    const p = new SqlParams([caseId]);
    const actorParam = actor.userId ? uuidLiteral(actor.userId) : 'NULL';
    return tx.one<CaseFacts>(
      `SELECT c.id, c.subject_id AS "subjectId", c.state, c.version, ${selectFacts(this.facts(p, actor))},
              g.id AS "activeGrantId", g.reason_sha256 AS "grantReasonSha256"
         FROM cases c
         LEFT JOIN LATERAL (SELECT id, reason_sha256 FROM break_glass_grants
                             WHERE case_id = c.id AND user_id = ${actorParam} AND expires_at > now() AND revoked_at IS NULL
                             ORDER BY expires_at DESC LIMIT 1) g ON TRUE
        WHERE c.id = $1${forUpdate ? ' FOR UPDATE OF c' : ''}`,
      p.values,
    );
  }

  /**
   * The facts of a case the caller may act on. Not readable (or absent) → 404 NOT_FOUND, audited with
   * the case's subject when it exists; readable but the action is not allowed → 403 FORBIDDEN.
   */
  async require(tx: Tx, actor: Actor, action: Action, type: SubjectType, caseId: string, opts: { forUpdate?: boolean; notFound?: string; record?: Record<string, unknown> } = {}): Promise<CaseFacts> {
    const facts = await this.load(tx, actor, caseId, opts.forUpdate);
    const ability = this.ability(actor);
    const subjectRecord = (f: CaseFacts) => asSubject(type, { ...f, ...(opts.record ?? {}) });
    const visible = (f: CaseFacts) => ability.can('read', subjectRecord(f)) || ability.can('read', asSubject('Case', f));
    if (!facts || !visible(facts)) {
      throw new DomainError('NOT_FOUND', `${opts.notFound ?? 'Case'} not found`, { auditSubjectIds: facts ? [facts.subjectId] : [] });
    }
    if (action !== 'read' && ability.cannot(action, subjectRecord(facts))) {
      throw new DomainError('FORBIDDEN', 'You may not do this on this case', { auditSubjectIds: [facts.subjectId] });
    }
    return facts;
  }

  /** Events made under a break-glass grant carry the grant and a digest of its reason. */
  breakGlass(actor: Actor, facts: CaseFacts): BreakGlassAudit {
    const viaDistrict = actor.districtIds.includes(facts.districtId) || facts.assignedToActor;
    if (viaDistrict || !facts.grantActive || !facts.activeGrantId) return {};
    return { breakGlassGrantId: facts.activeGrantId, breakGlassReasonSha256: facts.grantReasonSha256 ?? undefined };
  }
}
