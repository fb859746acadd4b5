import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity.js';
import { Visit } from './visit.entity.js';

/** A visitor on a visit; being on a planned or done visit is what gives a visitor access to the case. */
@Entity('visit_visitors')
@Check('chk_visit_visitors_role', `"role" IN ('police_officer', 'youth_worker')`)
@Index('idx_visit_visitors_user', ['userId', 'visitId'])
export class VisitVisitor {
  @PrimaryColumn('uuid')
  visitId!: string;

  @PrimaryColumn('uuid')
  userId!: string;

  @ManyToOne(() => Visit, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'visit_id', foreignKeyConstraintName: 'fk_visit_visitors_visit' })
  visit?: Visit;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_visit_visitors_user' })
  user?: User;

  @Column('text')
  role!: string;
}
