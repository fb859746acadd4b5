import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CASE_STATES, CLOSURE_GROUPS, HOLD_REASONS, PRIORITIES } from '../common/domain-enums.js';
import { BaseRecord, sqlList } from '../database/columns.js';
import { Area } from '../organisations/area.entity.js';
import { Subject } from '../subjects/subject.entity.js';

/** One episode of the programme for one subject. A subject has at most one open case. */
@Entity('cases')
@Check('chk_cases_state', `"state" IN (${sqlList(CASE_STATES)})`)
@Check('chk_cases_priority', `"priority" IN (${sqlList(PRIORITIES)})`)
@Check('chk_cases_hold_reason', `"hold_reason" IS NULL OR "hold_reason" IN (${sqlList(HOLD_REASONS)})`)
@Check('chk_cases_closure_group', `"closure_group" IS NULL OR "closure_group" IN (${sqlList(Object.keys(CLOSURE_GROUPS))})`)
@Check('chk_cases_closed', `("state" = 'CLOSED') = ("closed_at" IS NOT NULL)`)
@Index('uq_cases_one_open_per_subject', ['subjectId'], { unique: true, where: `"state" <> 'CLOSED'` })
@Index('idx_cases_district_created', ['districtId', 'createdAt', 'id'])
@Index('idx_cases_district_state_created', ['districtId', 'state', 'createdAt', 'id'])
export class Case extends BaseRecord {
  @Index('idx_cases_subject')
  @Column('uuid')
  subjectId!: string;

  @ManyToOne(() => Subject, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'subject_id', foreignKeyConstraintName: 'fk_cases_subject' })
  subject?: Subject;

  @Column('uuid')
  districtId!: string;

  @ManyToOne(() => Area, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'district_id', foreignKeyConstraintName: 'fk_cases_district' })
  district?: Area;

  @Column('text')
  municipalityCode!: string;

  @Column('text')
  state!: string;

  @Column('timestamptz')
  stateChangedAt!: Date;

  @Column('uuid', { nullable: true })
  caseManagerUserId!: string | null;

  @Column('text', { default: 'NORMAL' })
  priority!: string;

  @Column('integer', { default: 1 })
  episodeNo!: number;

  @Column('uuid', { nullable: true })
  previousCaseId!: string | null;

  @Column('boolean', { default: false })
  reReferral!: boolean;

  @Column('integer', { nullable: true })
  daysSincePreviousClosure!: number | null;

  @Column('timestamptz', { nullable: true })
  holdUntil!: Date | null;

  @Column('text', { nullable: true })
  holdReason!: string | null;

  @Column('boolean', { default: false })
  hasUnreviewedSignal!: boolean;

  @Column('integer', { default: 0 })
  countedAttempts!: number;

  @Column('timestamptz', { nullable: true })
  firstAttemptAt!: Date | null;

  /** Start of the next planned visit, kept for the list and the overdue flag */
  @Column('timestamptz', { nullable: true })
  nextVisitAt!: Date | null;

  /** Earliest due date of a follow-up contact still to be made */
  @Column('timestamptz', { nullable: true })
  nextFollowUpDueAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  policeClearanceConfirmedAt!: Date | null;

  @Column('uuid', { nullable: true })
  policeClearanceOrgId!: string | null;

  @Column('text', { nullable: true })
  policeClearanceReference!: string | null;

  @Column('text', { nullable: true })
  closureReason!: string | null;

  @Column('text', { nullable: true })
  closureGroup!: string | null;

  @Column('timestamptz', { nullable: true })
  closedAt!: Date | null;

  @Column('text', { nullable: true })
  closureComment!: string | null;
}
