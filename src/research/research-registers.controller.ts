import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { PageQuery } from '../common/pagination.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { ExportRegisterPage, TableRegisterPage } from './dto/export.response.js';
import { ResearchExportsService } from './exports/research-exports.service.js';
import { ResearchRegistersService } from './tables/research-registers.service.js';

@ApiTags('research')
@Controller('research/registers')
export class ResearchRegistersController {
  constructor(
    private readonly registers: ResearchRegistersService,
    private readonly exports: ResearchExportsService,
  ) {}

  /** Every table served, newest first, and whether the register's hash chain verifies (privacy officer) */
  @Can(Action.Read, 'ResearchRegister')
  @Purpose('ACCOUNTABILITY')
  @Get('tables')
  tables(@CurrentActor() actor: Actor, @Query() q: PageQuery): Promise<TableRegisterPage> {
    return this.registers.tables(actor, q);
  }

  /** Every export with its status, achieved k and manifest hash (privacy officer) */
  @Can(Action.Read, 'ResearchRegister')
  @Purpose('ACCOUNTABILITY')
  @Get('exports')
  exportRegister(@CurrentActor() actor: Actor, @Query() q: PageQuery): Promise<ExportRegisterPage> {
    return this.exports.register(actor, q);
  }
}
