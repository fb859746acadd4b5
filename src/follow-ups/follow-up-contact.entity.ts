import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { FOLLOW_UP_CHANNELS, FOLLOW_UP_RESULTS, YES_NO_UNKNOWN } from '../common/domain-enums.js';
import { BaseRecord, sqlList } from '../database/columns.js';
import { Case } from '../cases/case.entity.js';

/** A check-back weeks after the conversation. */
@Entity('follow_up_contacts')
@Check('chk_follow_ups_channel', `"channel" IS NULL OR "channel" IN (${sqlList(FOLLOW_UP_CHANNELS)})`)
@Check('chk_follow_ups_result', `"result" IS NULL OR "result" IN (${sqlList(FOLLOW_UP_RESULTS)})`)
@Check('chk_follow_ups_reapproached', `"re_approached_by_recruiter" IS NULL OR "re_approached_by_recruiter" IN (${sqlList(YES_NO_UNKNOWN)})`)
@Check('chk_follow_ups_incident', `"new_incident_reported" IS NULL OR "new_incident_reported" IN (${sqlList(YES_NO_UNKNOWN)})`)
@Check('chk_follow_ups_awareness', `"awareness_now" IS NULL OR "awareness_now" BETWEEN 1 AND 5`)
@Index('uq_follow_ups_case_seq', ['caseId', 'sequenceNo'], { unique: true })
@Index('idx_follow_ups_due', ['dueAt'])
export class FollowUpContact extends BaseRecord {
  @Column('uuid')
  caseId!: string;

  @ManyToOne(() => Case, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id', foreignKeyConstraintName: 'fk_follow_ups_case' })
  case?: Case;

  @Column('integer')
  sequenceNo!: number;

  @Column('timestamptz')
  dueAt!: Date;

  @Column('timestamptz', { nullable: true })
  occurredAt!: Date | null;

  @Column('text', { nullable: true })
  channel!: string | null;

  @Column('text', { nullable: true })
  result!: string | null;

  @Column('text', { nullable: true })
  careStatusReported!: string | null;

  @Column('text', { nullable: true })
  reApproachedByRecruiter!: string | null;

  @Column('text', { nullable: true })
  newIncidentReported!: string | null;

  @Column('smallint', { nullable: true })
  awarenessNow!: number | null;

  @Column('boolean', { nullable: true })
  needsNewCare!: boolean | null;

  @Column('text', { nullable: true })
  notes!: string | null;
}
