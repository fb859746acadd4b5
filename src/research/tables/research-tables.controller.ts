import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../../authorization/access.decorators.js';
import { Action } from '../../authorization/actions.js';
import type { Actor } from '../../common/actor.js';
import { CurrentActor } from '../../common/current-actor.decorator.js';
import { IndicatorsQuery } from '../dto/indicators.dto.js';
import { CreateTableDto } from '../dto/table.dto.js';
import { IndicatorsResponse, TableResponse } from '../dto/table.response.js';
import { ResearchTablesService } from './research-tables.service.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('research')
@Controller('research')
export class ResearchTablesController {
  constructor(private readonly tables: ResearchTablesService) {}

  /** A statistics table with disclosure control: small cells suppressed, audited against every table served before */
  @Can(Action.Create, 'StatisticsTable')
  @Purpose('RESEARCH')
  @Post('projects/:projectId/releases/:releaseId/tables')
  @HttpCode(200)
  create(
    @CurrentActor() actor: Actor,
    @Param('projectId', uuid) projectId: string,
    @Param('releaseId', uuid) releaseId: string,
    @Body() dto: CreateTableDto,
  ): Promise<TableResponse> {
    return this.tables.request(actor, projectId, releaseId, dto);
  }

  /** A table served to this project before */
  @Can(Action.Read, 'StatisticsTable')
  @Purpose('RESEARCH')
  @Get('projects/:projectId/releases/:releaseId/tables/:tableId')
  get(
    @CurrentActor() actor: Actor,
    @Param('projectId', uuid) projectId: string,
    @Param('releaseId', uuid) releaseId: string,
    @Param('tableId', uuid) tableId: string,
  ): Promise<TableResponse> {
    return this.tables.get(actor, projectId, releaseId, tableId);
  }

  /** Effectiveness indicators of the latest published release (or `releaseId`), through the same disclosure control */
  @Can(Action.Read, 'Indicators')
  @Purpose('RESEARCH')
  @Get('indicators')
  @ApiResponse({ status: 404, description: 'No published release yet, or `releaseId` names none (NOT_FOUND)' })
  indicators(@CurrentActor() actor: Actor, @Query() q: IndicatorsQuery): Promise<IndicatorsResponse> {
    return this.tables.indicators(actor, q.releaseId);
  }
}
