import { Check, Column, Entity, JoinColumn, ManyToOne } from 'typeorm';
import { BaseRecord, sqlList } from '../database/columns.js';
import { ORGANISATION_TYPES, type OrganisationType } from './organisation-types.js';

@Entity('organisations')
@Check('chk_organisations_type', `"type" IN (${sqlList(ORGANISATION_TYPES)})`)
export class Organisation extends BaseRecord {
  @Column('text')
  name!: string;

  @Column('text')
  type!: OrganisationType;

  @Column('uuid', { nullable: true })
  parentId!: string | null;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'parent_id', foreignKeyConstraintName: 'fk_organisations_parent' })
  parent?: Organisation;

  @Column('boolean', { default: false })
  canRefer!: boolean;

  /** Districts a youth-work or care organisation serves */
  @Column('uuid', { array: true, default: () => "'{}'" })
  servedAreaIds!: string[];

  /** Without a signed covenant an organisation gets no case data, cannot refer and cannot be assigned */
  @Column('timestamptz', { nullable: true })
  covenantSignedAt!: Date | null;

  @Column('text', { nullable: true })
  covenantVersion!: string | null;

  @Column('boolean', { default: true })
  active!: boolean;
}
