import { Column, CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * Columns every record carries (domain.md §3.0). `version` is a plain integer: updates compare and
 * increment it in SQL (`WHERE version = $n`), because TypeORM's @VersionColumn does not compare.
 */
export abstract class BaseRecord {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('integer', { default: 1 })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column('uuid', { nullable: true })
  createdBy!: string | null;
}

export const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
