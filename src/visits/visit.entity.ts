import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { OVERRIDE_REASONS, VISIT_CANCEL_REASONS, VISIT_STATUSES } from '../common/domain-enums.js';
import { BaseRecord, sqlList } from '../database/columns.js';
import { Case } from '../cases/case.entity.js';

export interface AddressSnapshot {
  street: string;
  houseNumber: string;
  postcode: string;
  municipalityCode: string;
}

/** A planned home visit: slot, visiting pair, and the address as it was when planned. */
@Entity('visits')
@Check('chk_visits_status', `"status" IN (${sqlList(VISIT_STATUSES)})`)
@Check('chk_visits_cancel_reason', `"cancel_reason" IS NULL OR "cancel_reason" IN (${sqlList(VISIT_CANCEL_REASONS)})`)
@Check('chk_visits_override_reason', `"override_reason" IS NULL OR "override_reason" IN (${sqlList(OVERRIDE_REASONS)})`)
@Check('chk_visits_window', `"planned_end" > "planned_start"`)
@Index('idx_visits_case', ['caseId', 'plannedStart'])
@Index('idx_visits_planned_start', ['plannedStart'])
export class Visit extends BaseRecord {
  @Column('uuid')
  caseId!: string;

  @ManyToOne(() => Case, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id', foreignKeyConstraintName: 'fk_visits_case' })
  case?: Case;

  @Column('timestamptz')
  plannedStart!: Date;

  @Column('timestamptz')
  plannedEnd!: Date;

  /** Derived in Europe/Amsterdam */
  @Column('text')
  weekday!: string;

  @Column('text')
  timeSlot!: string;

  @Column('text', { default: 'PLANNED' })
  status!: string;

  @Column('text', { nullable: true })
  cancelReason!: string | null;

  @Column('jsonb')
  addressSnapshot!: AddressSnapshot;

  @Column('text', { nullable: true })
  safetyNotes!: string | null;

  @Column('text', { nullable: true })
  overrideReason!: string | null;

  @Column('text', { nullable: true })
  overrideComment!: string | null;

  @Column('uuid', { nullable: true })
  overrideByUserId!: string | null;

  @Column('timestamptz', { nullable: true })
  overrideAt!: Date | null;
}
