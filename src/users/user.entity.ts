import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { ROLES, type Role } from '../config/app-config.js';
import { BaseRecord, sqlList } from '../database/columns.js';
import { Organisation } from '../organisations/organisation.entity.js';

@Entity('users')
@Check('chk_users_roles', `cardinality("roles") >= 1 AND "roles" <@ ARRAY[${sqlList(ROLES)}]::text[]`)
export class User extends BaseRecord {
  /** Lower-cased and trimmed */
  @Index('uq_users_username', { unique: true })
  @Column('text')
  username!: string;

  @Column('text')
  displayName!: string;

  @Index('idx_users_organisation')
  @Column('uuid')
  organisationId!: string;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'fk_users_organisation' })
  organisation?: Organisation;

  @Column('text', { array: true })
  roles!: Role[];

  /** Districts (areas of level DISTRICT) the user works in */
  @Column('uuid', { array: true, default: () => "'{}'" })
  districtIds!: string[];

  @Column('boolean', { default: true })
  active!: boolean;

  /** argon2id PHC string; never returned */
  @Column('text')
  passwordHash!: string;

  /** AES-256-GCM ciphertext of the TOTP seed (nonce ‖ tag ‖ ciphertext); the key is not in the database */
  @Column('bytea', { nullable: true })
  totpSecretEnc!: Buffer | null;

  @Column('text', { nullable: true })
  totpKeyId!: string | null;

  @Column('boolean', { default: false })
  mfaEnrolled!: boolean;

  /** Last accepted TOTP time step: a code is accepted only for a later step (replay protection) */
  @Column('bigint', { nullable: true })
  totpLastStep!: string | null;

  /** Bumped on every change of roles, districts or status; the session lookup reads it on every request */
  @Column('integer', { default: 1 })
  rightsVersion!: number;

  @Column('timestamptz', { nullable: true })
  lastLoginAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  lastAccessReviewAt!: Date | null;
}
