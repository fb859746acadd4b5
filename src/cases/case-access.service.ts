import { Inject, Injectable } from '@nestjs/common';
import { AbilityFactory, type AppAbility } from '../authorization/ability.factory.js';
import type { Action, SubjectType } from '../authorization/actions.js';
import { asSubject } from '../authorization/fields.js';
import { selectFacts, toSqlArms, toSqlScope, type ScopeArm } from '../authorization/sql-scope.js';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SqlParams } from '../database/sql-params.js';
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

  /** The case access facts over alias `c`, with the actor's id bound into `p`. */
  facts(p: SqlParams, actor: Actor) {
    return caseFacts(p, actor, this.config.workflow.visitorAfterCloseDays);
  }

  /** WHERE clause over alias `c` from the same rules that decide single records. */
  scope(actor: Actor, action: Action, type: SubjectType, p: SqlParams): string {
    return toSqlScope(this.ability(actor), action, type, (q) => this.facts(q, actor), p);
  }

  /** The same rules as `scope`, one arm per rule, for lists that page each arm over its own index. */
  arms(actor: Actor, action: Action, type: SubjectType, p: SqlParams): ScopeArm[] {
    return toSqlArms(this.ability(actor), action, type, (q) => this.facts(q, actor), p);
  }

  async load(tx: Tx, actor: Actor, caseId: string, forUpdate = false): Promise<CaseFacts | null> {
    return this.loadVia(tx, actor, { from: 'cases c', where: 'c.id = $1', values: [caseId] }, forUpdate);
  }

  /**
   * The access facts of the case `c` in `from`, together with `columns` of the rows joined there, in one
   * statement: a child record and its case's facts (locked with `forUpdate`) in one round trip. The
   * `values` are `$1…` of `where`; `columns` must not reuse the names of the facts.
   */
  async loadVia<T extends object = object>(
    tx: Tx,
    actor: Actor,
    q: { from: string; where: string; values: unknown[]; columns?: string },
    forUpdate = false,
  ): Promise<(CaseFacts & T) | null> {
    const p = new SqlParams(q.values);
    const me = p.add(actor.userId);
    return tx.one<CaseFacts & T>(
      `SELECT ${q.columns ? `${q.columns}, ` : ''}c.id, c.subject_id AS "subjectId", c.state, c.version, ${selectFacts(this.facts(p, actor))},
              g.id AS "activeGrantId", g.reason_sha256 AS "grantReasonSha256"
         FROM ${q.from}
         LEFT JOIN LATERAL (SELECT id, reason_sha256 FROM break_glass_grants
                             WHERE case_id = c.id AND user_id = ${me}::uuid AND expires_at > now() AND revoked_at IS NULL
                             ORDER BY expires_at DESC LIMIT 1) g ON TRUE
        WHERE ${q.where}${forUpdate ? ' FOR UPDATE OF c' : ''}`,
      p.values,
    );
  }

  /**
   * The facts of a case the caller may act on. Not readable (or absent) → 404 NOT_FOUND, audited with
   * the case's subject when it exists; readable but the action is not allowed → 403 FORBIDDEN.
   */
  async require(tx: Tx, actor: Actor, action: Action, type: SubjectType, caseId: string, opts: { forUpdate?: boolean; notFound?: string; record?: Record<string, unknown> } = {}): Promise<CaseFacts> {
    return this.check(actor, action, type, await this.load(tx, actor, caseId, opts.forUpdate), opts);
  }

  /** The decision of `require` on facts loaded otherwise (`loadVia`). */
  check<F extends CaseFacts>(actor: Actor, action: Action, type: SubjectType, facts: F | null, opts: { notFound?: string; record?: Record<string, unknown> } = {}): F {
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
