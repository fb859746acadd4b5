import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CARE_STATUSES, CARE_TYPES } from '../common/domain-enums.js';
import { BaseRecord, sqlList } from '../database/columns.js';
import { Case } from '../cases/case.entity.js';

/** Follow-up care offered to the young person, and what was shared with the provider. */
@Entity('care_referrals')
@Check('chk_care_referrals_type', `"type" IN (${sqlList(CARE_TYPES)})`)
@Check('chk_care_referrals_status', `"status" IN (${sqlList(CARE_STATUSES)})`)
@Index('idx_care_referrals_case', ['caseId', 'proposedAt'])
export class CareReferral extends BaseRecord {
  @Column('uuid')
  caseId!: string;

  @ManyToOne(() => Case, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id', foreignKeyConstraintName: 'fk_care_referrals_case' })
  case?: Case;

  @Column('text')
  type!: string;

  @Column('uuid', { nullable: true })
  providerOrganisationId!: string | null;

  @Column('timestamptz')
  proposedAt!: Date;

  @Column('text')
  status!: string;

  @Column('timestamptz')
  statusAt!: Date;

  @Column('text', { array: true, default: () => "'{}'" })
  dataSharedFields!: string[];

  @Column('text', { nullable: true })
  notes!: string | null;
}
