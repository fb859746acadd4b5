import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { IfMatchHeader, IfMatchVersion } from '../common/http-params.js';
import { CasesService } from './cases.service.js';
import { ListCasesQuery, TransitionDto, UpdateCaseDto } from './dto/case.dto.js';
import { CasePage, CaseResponse } from './dto/case.response.js';

const uuid = new ParseUUIDPipe({ version: '4' });
const CASE_PURPOSE = { coordinator: 'CASE_MANAGEMENT', police_officer: 'VISIT', youth_worker: 'VISIT' } as const;

@ApiTags('cases')
@Controller('cases')
export class CasesController {
  constructor(private readonly cases: CasesService) {}

  /** Cases in the caller's scope, newest first (keyset pagination) */
  @Can(Action.Read, 'Case')
  @Purpose(CASE_PURPOSE)
  @Get()
  list(@CurrentActor() actor: Actor, @Query() q: ListCasesQuery): Promise<CasePage> {
    return this.cases.list(actor, q);
  }

  /** One case with everything the caller's role may see */
  @Can(Action.Read, 'Case')
  @Purpose(CASE_PURPOSE)
  @Get(':id')
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<CaseResponse> {
    return this.cases.get(actor, id);
  }

  /** Change the case manager, priority or record the police clearance (If-Match) */
  @Can(Action.Update, 'Case')
  @Purpose('CASE_MANAGEMENT')
  @IfMatchHeader()
  @Patch(':id')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number, @Body() dto: UpdateCaseDto): Promise<CaseResponse> {
    return this.cases.update(actor, id, version, dto);
  }

  /** Move the case through the workflow (If-Match); 409 INVALID_TRANSITION names the allowed targets */
  @Can(Action.Transition, 'Case')
  @Purpose({ coordinator: 'CASE_MANAGEMENT' })
  @IfMatchHeader()
  @Post(':id/transitions')
  @HttpCode(200)
  transition(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number, @Body() dto: TransitionDto): Promise<CaseResponse> {
    return this.cases.transition(actor, id, version, dto);
  }
}
