import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { IfMatchHeader, IfMatchVersion } from '../common/http-params.js';
import { CreateOrganisationDto, ListOrganisationsQuery, UpdateOrganisationDto } from './dto/organisation.dto.js';
import { DistrictList, OrganisationPage, OrganisationResponse } from './dto/organisation.response.js';
import { OrganisationsService } from './organisations.service.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('organisations')
@Controller()
export class OrganisationsController {
  constructor(private readonly organisations: OrganisationsService) {}

  /** Organisations the caller may see (referrers and researchers: their own) */
  @Can(Action.Read, 'Organisation')
  @Purpose('ADMINISTRATION')
  @Get('organisations')
  list(@CurrentActor() actor: Actor, @Query() q: ListOrganisationsQuery): Promise<OrganisationPage> {
    return this.organisations.list(actor, q);
  }

  /** Regions and districts with their municipalities */
  @Can(Action.Read, 'District')
  @Purpose('ADMINISTRATION')
  @Get('districts')
  districts(@CurrentActor() actor: Actor): Promise<DistrictList> {
    return this.organisations.districts(actor);
  }

  /** All organisations (admin) */
  @Can(Action.Manage, 'Organisation')
  @Purpose('ADMINISTRATION')
  @Get('admin/organisations')
  adminList(@CurrentActor() actor: Actor, @Query() q: ListOrganisationsQuery): Promise<OrganisationPage> {
    return this.organisations.list(actor, q);
  }

  /** Register an organisation */
  @Can(Action.Create, 'Organisation')
  @Purpose('ADMINISTRATION')
  @Post('admin/organisations')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateOrganisationDto): Promise<OrganisationResponse> {
    return this.organisations.create(actor, dto);
  }

  /** Change an organisation (covenant, referral right, served districts, active) */
  @Can(Action.Update, 'Organisation')
  @Purpose('ADMINISTRATION')
  @IfMatchHeader()
  @Patch('admin/organisations/:id')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number, @Body() dto: UpdateOrganisationDto): Promise<OrganisationResponse> {
    return this.organisations.update(actor, id, version, dto);
  }

  /** The area hierarchy (admin) */
  @Can(Action.Manage, 'District')
  @Purpose('ADMINISTRATION')
  @Get('admin/districts')
  adminDistricts(@CurrentActor() actor: Actor): Promise<DistrictList> {
    return this.organisations.districts(actor);
  }
}
