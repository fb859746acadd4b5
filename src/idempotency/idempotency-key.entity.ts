import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A stored 2xx answer to a POST with an Idempotency-Key, scoped per caller; it holds a response body, so it expires. */
@Entity('idempotency_keys')
export class IdempotencyKey {
  @PrimaryColumn('text')
  scope!: string;

  @PrimaryColumn('text')
  key!: string;

  @Column('bytea')
  fingerprint!: Buffer;

  @Column('smallint')
  statusCode!: number;

  @Column('jsonb')
  body!: unknown;

  @Column('jsonb', { default: () => "'{}'" })
  headers!: Record<string, string>;

  @Column('timestamptz')
  createdAt!: Date;

  @Index('idx_idempotency_keys_expires')
  @Column('timestamptz')
  expiresAt!: Date;
}
