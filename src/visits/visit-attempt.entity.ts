import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { ATTEMPT_RESULTS, SPOKE_WITH } from '../common/domain-enums.js';
import { BaseRecord, sqlList } from '../database/columns.js';
import { Case } from '../cases/case.entity.js';
import { Visit } from './visit.entity.js';

/** One knock on the door. No GPS, no photos. */
@Entity('visit_attempts')
@Check('chk_visit_attempts_result', `"result" IN (${sqlList(ATTEMPT_RESULTS)})`)
@Check('chk_visit_attempts_spoke_with', `"spoke_with" IN (${sqlList(SPOKE_WITH)})`)
@Index('uq_visit_attempts_case_no', ['caseId', 'attemptNo'], { unique: true })
@Index('idx_visit_attempts_visit', ['visitId', 'occurredAt'])
export class VisitAttempt extends BaseRecord {
  @Column('uuid')
  visitId!: string;

  @ManyToOne(() => Visit, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'visit_id', foreignKeyConstraintName: 'fk_visit_attempts_visit' })
  visit?: Visit;

  @Column('uuid')
  caseId!: string;

  @ManyToOne(() => Case, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id', foreignKeyConstraintName: 'fk_visit_attempts_case' })
  case?: Case;

  /** 1, 2, 3 … per case */
  @Column('integer')
  attemptNo!: number;

  @Column('timestamptz')
  occurredAt!: Date;

  @Column('text')
  weekday!: string;

  @Column('text')
  timeSlot!: string;

  @Column('text')
  result!: string;

  @Column('boolean')
  countsTowardMax!: boolean;

  @Column('boolean', { default: false })
  cardLeft!: boolean;

  @Column('text')
  spokeWith!: string;

  @Column('uuid')
  recordedByUserId!: string;

  @Column('uuid', { nullable: true })
  onBehalfOfUserId!: string | null;
}
