import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { ACKNOWLEDGEMENTS, CONSENT_GIVERS, CONVERSATION_LOCATIONS, INTENTS, PARENT_ABSENT_REASONS, RECRUITMENT_CHANNELS } from '../common/domain-enums.js';
import { BaseRecord, sqlList } from '../database/columns.js';
import { Case } from '../cases/case.entity.js';
import { VisitAttempt } from '../visits/visit-attempt.entity.js';

/** The preventive conversation: coded answers, no statement text; youth-work agreements are the youth worker's alone. */
@Entity('conversations')
@Check('chk_conversations_location', `"location" IN (${sqlList(CONVERSATION_LOCATIONS)})`)
@Check('chk_conversations_parent_absent', `"parent_absent_reason" IS NULL OR "parent_absent_reason" IN (${sqlList(PARENT_ABSENT_REASONS)})`)
@Check('chk_conversations_channel', `"recruitment_channel" IS NULL OR "recruitment_channel" IN (${sqlList(RECRUITMENT_CHANNELS)})`)
@Check('chk_conversations_ack', `"subject_acknowledges_involvement" IN (${sqlList(ACKNOWLEDGEMENTS)})`)
@Check('chk_conversations_intent', `"intends_to_refuse_future_requests" IS NULL OR "intends_to_refuse_future_requests" IN (${sqlList(INTENTS)})`)
@Check('chk_conversations_consent_by', `"consent_follow_up_given_by" IS NULL OR "consent_follow_up_given_by" IN (${sqlList(CONSENT_GIVERS)})`)
@Check('chk_conversations_awareness', `("awareness_before" IS NULL OR "awareness_before" BETWEEN 1 AND 5) AND ("awareness_after" IS NULL OR "awareness_after" BETWEEN 1 AND 5)`)
export class Conversation extends BaseRecord {
  @Index('uq_conversations_attempt', { unique: true })
  @Column('uuid')
  attemptId!: string;

  @ManyToOne(() => VisitAttempt, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'attempt_id', foreignKeyConstraintName: 'fk_conversations_attempt' })
  attempt?: VisitAttempt;

  @Index('idx_conversations_case')
  @Column('uuid')
  caseId!: string;

  @ManyToOne(() => Case, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id', foreignKeyConstraintName: 'fk_conversations_case' })
  case?: Case;

  @Column('timestamptz')
  heldAt!: Date;

  @Column('integer', { nullable: true })
  durationMin!: number | null;

  @Column('text')
  location!: string;

  @Column('boolean', { nullable: true })
  parentPresent!: boolean | null;

  @Column('text', { nullable: true })
  parentAbsentReason!: string | null;

  @Column('text', { nullable: true })
  parentAbsentComment!: string | null;

  @Column('boolean', { default: false })
  interpreterUsed!: boolean;

  @Column('text', { array: true, default: () => "'{}'" })
  topicsCovered!: string[];

  @Column('text', { nullable: true })
  recruitmentChannel!: string | null;

  @Column('text')
  subjectAcknowledgesInvolvement!: string;

  @Column('boolean', { default: false })
  coercionIndicated!: boolean;

  @Column('boolean', { default: false })
  debtIndicated!: boolean;

  @Column('smallint', { nullable: true })
  awarenessBefore!: number | null;

  @Column('smallint', { nullable: true })
  awarenessAfter!: number | null;

  @Column('text', { nullable: true })
  intendsToRefuseFutureRequests!: string | null;

  @Column('boolean')
  consentFollowUpGiven!: boolean;

  @Column('text', { nullable: true })
  consentFollowUpGivenBy!: string | null;

  @Column('boolean', { default: false })
  consentCareShareGiven!: boolean;

  @Column('text', { array: true, default: () => "'{}'" })
  consentCareShareScope!: string[];

  @Column('boolean', { nullable: true })
  researchConsent!: boolean | null;

  @Column('text', { nullable: true })
  agreements!: string | null;

  @Column('text', { nullable: true })
  youthWorkNotes!: string | null;

  @Column('timestamptz', { nullable: true })
  youthworkErasedAt!: Date | null;

  @Column('uuid')
  recordedByUserId!: string;
}
