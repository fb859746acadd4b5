import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A confirmed duplicate: what moved where, kept so the merge can be explained and undone by hand. */
@Entity('subject_merges')
export class SubjectMerge {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('idx_subject_merges_from')
  @Column('uuid')
  fromSubjectId!: string;

  @Index('idx_subject_merges_into')
  @Column('uuid')
  intoSubjectId!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  mergedAt!: Date;

  @Column('uuid', { nullable: true })
  mergedBy!: string | null;

  @Column('uuid', { array: true, default: () => "'{}'" })
  movedReferralIds!: string[];

  @Column('uuid', { array: true, default: () => "'{}'" })
  movedCaseIds!: string[];

  @Column('uuid', { nullable: true })
  closedCaseId!: string | null;

  /** The state before the merge (states, links, duplicate status), for reversal */
  @Column('jsonb')
  before!: Record<string, unknown>;
}
