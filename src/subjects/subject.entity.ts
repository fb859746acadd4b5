import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { DUPLICATE_STATUSES, SEXES, type DuplicateStatus } from '../common/domain-enums.js';
import { BaseRecord, sqlList } from '../database/columns.js';
import { Area } from '../organisations/area.entity.js';

export interface Guardian {
  name: string;
  relation: 'PARENT' | 'GUARDIAN' | 'OTHER';
  phone: string | null;
}

/** The young person. No BSN, ever. */
@Entity('subjects')
@Check('chk_subjects_sex', `"sex" IN (${sqlList(SEXES)})`)
@Check('chk_subjects_duplicate_status', `"duplicate_status" IN (${sqlList(DUPLICATE_STATUSES)})`)
@Index('idx_subjects_match_key', ['matchKey'], { unique: true, where: `"duplicate_status" <> 'MERGED'` })
export class Subject extends BaseRecord {
  @Column('text')
  familyName!: string;

  @Column('text')
  givenNames!: string;

  @Index('idx_subjects_date_of_birth')
  @Column('date')
  dateOfBirth!: string;

  @Column('text', { default: 'UNKNOWN' })
  sex!: string;

  @Column('text')
  street!: string;

  @Column('text')
  houseNumber!: string;

  @Column('text')
  postcode!: string;

  /** CBS code `GMnnnn` */
  @Column('text')
  municipalityCode!: string;

  @Column('uuid')
  municipalityId!: string;

  @ManyToOne(() => Area, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'municipality_id', foreignKeyConstraintName: 'fk_subjects_municipality' })
  municipality?: Area;

  @Column('text', { nullable: true })
  phone!: string | null;

  @Column('jsonb', { default: () => "'[]'" })
  guardians!: Guardian[];

  @Column('text', { nullable: true })
  preferredLanguage!: string | null;

  @Column('boolean', { default: false })
  interpreterNeeded!: boolean;

  @Column('timestamptz', { nullable: true })
  addressVerifiedAt!: Date | null;

  @Column('text', { default: 'NONE' })
  duplicateStatus!: DuplicateStatus;

  @Column('uuid', { nullable: true })
  possibleDuplicateOfId!: string | null;

  @Column('uuid', { nullable: true })
  mergedIntoId!: string | null;

  @Column('boolean', { default: false })
  lvbSuspected!: boolean;

  @Column('boolean', { default: false })
  mentalHealthConcern!: boolean;

  /** HMAC of normalised family name, date of birth and first initial: exact matching without a readable key */
  @Column('bytea')
  matchKey!: Buffer;

  /** Normalised full name for the trigram near-match probe; never returned */
  @Column('text')
  nameNorm!: string;
}
