import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Temporary access to one case outside the coordinator's districts, with a reason; always reviewed. */
@Entity('break_glass_grants')
@Check('chk_break_glass_review', `"review_outcome" IS NULL OR "review_outcome" IN ('JUSTIFIED', 'NOT_JUSTIFIED')`)
@Index('idx_break_glass_case_user', ['caseId', 'userId', 'expiresAt'])
@Index('idx_break_glass_user_granted', ['userId', 'grantedAt'])
export class BreakGlassGrant {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  caseId!: string;

  @Column('uuid')
  userId!: string;

  @Column('text')
  reason!: string;

  @Column('bytea')
  reasonSha256!: Buffer;

  @Column('timestamptz')
  grantedAt!: Date;

  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { nullable: true })
  revokedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  reviewedAt!: Date | null;

  @Column('uuid', { nullable: true })
  reviewedBy!: string | null;

  @Column('text', { nullable: true })
  reviewOutcome!: string | null;

  @Column('text', { nullable: true })
  reviewNote!: string | null;
}
