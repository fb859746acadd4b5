import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Case } from './case.entity.js';

/** One move of the case workflow; append-only history. */
@Entity('case_transitions')
@Index('idx_case_transitions_case', ['caseId', 'at'])
export class CaseTransition {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  caseId!: string;

  @ManyToOne(() => Case, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'case_id', foreignKeyConstraintName: 'fk_case_transitions_case' })
  case?: Case;

  @Column('text', { nullable: true })
  fromState!: string | null;

  @Column('text')
  toState!: string;

  @Column('timestamptz')
  at!: Date;

  @Column('uuid', { nullable: true })
  byUserId!: string | null;

  @Column('text', { nullable: true })
  byRole!: string | null;

  @Column('text', { nullable: true })
  reasonCode!: string | null;

  @Column('text', { nullable: true })
  comment!: string | null;

  @Column('uuid', { nullable: true })
  breakGlassGrantId!: string | null;
}
