import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/** A login session. Only the SHA-256 of the bearer token is stored. */
@Entity('sessions')
@Check('chk_sessions_auth_method', `"auth_method" IN ('password', 'password+totp')`)
export class Session {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('idx_sessions_user')
  @Column('uuid')
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_sessions_user' })
  user?: User;

  @Index('uq_sessions_token_sha256', { unique: true })
  @Column('bytea')
  tokenSha256!: Buffer;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz')
  lastSeenAt!: Date;

  /** Absolute end of the session */
  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { nullable: true })
  revokedAt!: Date | null;

  /** Last successful TOTP check in this session; step-up requires it to be recent */
  @Column('timestamptz', { nullable: true })
  mfaVerifiedAt!: Date | null;

  @Column('text')
  authMethod!: 'password' | 'password+totp';

  /** An MFA role that still has to enrol may only use the enrolment routes */
  @Column('boolean', { default: false })
  restricted!: boolean;
}
