import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Failed-login state per account (`acct:<normalised username>`, also for unknown names), per client
 * address (`ip:<address>`) and per TOTP user (`totp:<userId>`). In PostgreSQL, so it survives restarts
 * and is shared by instances.
 */
@Entity('login_throttles')
export class LoginThrottle {
  @PrimaryColumn('text')
  key!: string;

  @Column('integer', { default: 0 })
  failures!: number;

  @Column('timestamptz')
  windowStart!: Date;

  @Column('timestamptz', { nullable: true })
  lastFailureAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  blockedUntil!: Date | null;

  /** Locked until an admin resets it (100 consecutive failures) */
  @Column('boolean', { default: false })
  locked!: boolean;
}
