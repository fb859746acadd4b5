import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { AMOUNT_BANDS, BANK_REGISTRATION_STATUSES, FRAUD_TYPES, REFERRAL_STATUSES, SOURCE_TYPES, SUBJECT_MATCHES } from '../common/domain-enums.js';
import { BaseRecord, sqlList } from '../database/columns.js';
import { Case } from '../cases/case.entity.js';
import { Organisation } from '../organisations/organisation.entity.js';
import { Subject } from '../subjects/subject.entity.js';

/** A bank or police signal about a young person. */
@Entity('referrals')
@Check('chk_referrals_source_type', `"source_type" IN (${sqlList(SOURCE_TYPES)})`)
@Check('chk_referrals_status', `"status" IN (${sqlList(REFERRAL_STATUSES)})`)
@Check('chk_referrals_subject_match', `"subject_match" IN (${sqlList(SUBJECT_MATCHES)})`)
@Check('chk_referrals_fraud_type', `"fraud_type" IS NULL OR "fraud_type" IN (${sqlList(FRAUD_TYPES)})`)
@Check('chk_referrals_amount_band', `"amount_band" IS NULL OR "amount_band" IN (${sqlList(AMOUNT_BANDS)})`)
@Check('chk_referrals_bank_registration', `"bank_registration_status" IS NULL OR "bank_registration_status" IN (${sqlList(BANK_REGISTRATION_STATUSES)})`)
@Index('idx_referrals_org_received', ['referrerOrgId', 'receivedAt', 'id'])
@Index('idx_referrals_case', ['caseId', 'receivedAt'])
export class Referral extends BaseRecord {
  @Column('uuid')
  caseId!: string;

  @ManyToOne(() => Case, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id', foreignKeyConstraintName: 'fk_referrals_case' })
  case?: Case;

  @Index('idx_referrals_subject')
  @Column('uuid')
  subjectId!: string;

  @ManyToOne(() => Subject, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'subject_id', foreignKeyConstraintName: 'fk_referrals_subject' })
  subject?: Subject;

  @Column('text')
  sourceType!: string;

  @Column('uuid')
  referrerOrgId!: string;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'referrer_org_id', foreignKeyConstraintName: 'fk_referrals_referrer_org' })
  referrerOrg?: Organisation;

  @Column('uuid', { nullable: true })
  submittedByUserId!: string | null;

  @Column('uuid', { nullable: true })
  apiKeyId!: string | null;

  @Column('timestamptz')
  receivedAt!: Date;

  /** YYYY-MM: the month, never the day, of the incident */
  @Column('text', { nullable: true })
  incidentMonth!: string | null;

  @Column('text', { array: true })
  reasonCodes!: string[];

  @Column('text')
  legalBasisCode!: string;

  @Column('boolean', { nullable: true })
  consentGiven!: boolean | null;

  @Column('date', { nullable: true })
  consentDate!: string | null;

  @Column('text', { default: 'RECEIVED' })
  status!: string;

  @Column('timestamptz', { nullable: true })
  decidedAt!: Date | null;

  @Column('boolean', { default: false })
  attachedToOpenCase!: boolean;

  @Column('text')
  subjectMatch!: string;

  @Column('text', { nullable: true })
  externalReference!: string | null;

  @Column('text', { nullable: true })
  fraudType!: string | null;

  @Column('text', { nullable: true })
  amountBand!: string | null;

  @Column('text', { nullable: true })
  bankRegistrationStatus!: string | null;

  @Column('text', { nullable: true })
  notes!: string | null;
}
