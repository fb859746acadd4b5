import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { AbilityFactory } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { asSubject } from '../authorization/fields.js';
import { toSqlScope } from '../authorization/sql-scope.js';
import type { Actor } from '../common/actor.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import { Db } from '../database/db.service.js';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';
import type { CreateOrganisationDto, ListOrganisationsQuery, UpdateOrganisationDto } from './dto/organisation.dto.js';
import type { DistrictList, OrganisationResponse } from './dto/organisation.response.js';
import { OrganisationError } from './organisations.errors.js';
import { OrganisationsRepository, type OrganisationRow } from './organisations.repository.js';

const toResponse = (o: OrganisationRow): OrganisationResponse => ({
  id: o.id,
  name: o.name,
  type: o.type,
  parentId: o.parentId,
  canRefer: o.canRefer,
  servedAreaIds: o.servedAreaIds,
  covenantSignedAt: o.covenantSignedAt?.toISOString() ?? null,
  covenantVersion: o.covenantVersion,
  active: o.active,
  version: o.version,
});

/** Organisations and the area hierarchy: reference data, not personal data, so reads are not audited. */
@Injectable()
export class OrganisationsService {
  constructor(
    private readonly db: Db,
    private readonly repo: OrganisationsRepository,
    private readonly abilities: AbilityFactory,
    private readonly audit: AuditService,
  ) {}

  async list(actor: Actor, q: ListOrganisationsQuery): Promise<Page<OrganisationResponse>> {
    const ability = this.abilities.for(actor);
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['string', 'uuid']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      const p = new SqlParams();
      const scope = toSqlScope(ability, Action.Read, 'Organisation', this.repo.facts(), p);
      const rows = await this.repo.list(tx, scope, p, { type: q.type, after, limit });
      return toPage(rows, limit, (r) => [r.name, r.id], toResponse);
    });
  }

  async create(actor: Actor, dto: CreateOrganisationDto): Promise<OrganisationResponse> {
    return this.db.tx(actor, async (tx) => {
      await this.checkRefs(tx, dto.parentId, dto.servedAreaIds);
      const id = await this.repo.create(tx, {
        name: dto.name,
        type: dto.type,
        parentId: dto.parentId ?? null,
        canRefer: dto.canRefer ?? false,
        servedAreaIds: dto.servedAreaIds ?? [],
        covenantSignedAt: dto.covenantSignedAt ?? null,
        covenantVersion: dto.covenantVersion ?? null,
        createdBy: actor.userId,
      });
      await this.audit.record(tx, { action: 'CREATE', objectType: 'Organisation', objectIds: [id] });
      return toResponse((await this.repo.get(tx, id))!);
    });
  }

  async update(actor: Actor, id: string, version: number, dto: UpdateOrganisationDto): Promise<OrganisationResponse> {
    const ability = this.abilities.for(actor);
    return this.db.tx(actor, async (tx) => {
      const current = await this.repo.get(tx, id);
      if (!current || ability.cannot(Action.Update, asSubject('Organisation', { id }))) throw new OrganisationError('NOT_FOUND', 'Organisation not found');
      await this.checkRefs(tx, undefined, dto.servedAreaIds);
      const v = await this.repo.update(tx, id, version, dto as Record<string, unknown>);
      if (v === null) throw new OrganisationError('VERSION_CONFLICT', 'The organisation was changed by someone else', { details: { currentVersion: current.version } });
      await this.audit.record(tx, { action: 'UPDATE', objectType: 'Organisation', objectIds: [id] });
      return toResponse((await this.repo.get(tx, id))!);
    });
  }

  /** Regions, districts and, per district, its municipalities. */
  async districts(actor: Actor): Promise<DistrictList> {
    const areas = await this.db.tx(actor, (tx) => this.repo.areas(tx));
    const items = areas
      .filter((a) => a.level !== 'MUNICIPALITY')
      .map((a) => ({
        ...a,
        municipalities: areas.filter((m) => m.level === 'MUNICIPALITY' && m.parentId === a.id).map((m) => ({ id: m.id, code: m.code, name: m.name })),
      }));
    return { items };
  }

  private async checkRefs(tx: Tx, parentId: string | undefined, served: string[] | undefined): Promise<void> {
    if (parentId && !(await this.repo.get(tx, parentId))) {
      throw new OrganisationError('VALIDATION_FAILED', 'Unknown parent organisation', { errors: [{ field: 'parentId', code: 'UNKNOWN_ORGANISATION', message: 'parentId does not exist' }] });
    }
    if (served && !(await this.repo.areasExist(tx, served, 'DISTRICT'))) {
      throw new OrganisationError('VALIDATION_FAILED', 'Unknown district', { errors: [{ field: 'servedAreaIds', code: 'UNKNOWN_DISTRICT', message: 'every id must be a district' }] });
    }
  }
}
