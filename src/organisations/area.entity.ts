import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { BaseRecord, sqlList } from '../database/columns.js';
import { AREA_LEVELS, type AreaLevel } from './organisation-types.js';

/** Region → district → municipality. A district is a union of whole municipalities. */
@Entity('areas')
@Check('chk_areas_level', `"level" IN (${sqlList(AREA_LEVELS)})`)
export class Area extends BaseRecord {
  @Column('text')
  level!: AreaLevel;

  /** `MN`, a district code, or the CBS municipality code `GMnnnn` */
  @Index('uq_areas_code', { unique: true })
  @Column('text')
  code!: string;

  @Column('text')
  name!: string;

  @Index('idx_areas_parent')
  @Column('uuid', { nullable: true })
  parentId!: string | null;

  @ManyToOne(() => Area, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'parent_id', foreignKeyConstraintName: 'fk_areas_parent' })
  parent?: Area;

  @Column('boolean', { default: true })
  active!: boolean;
}
