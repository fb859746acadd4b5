import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { IdempotencyKeyHeader, IfMatchHeader, IfMatchVersion } from '../common/http-params.js';
import { send } from '../common/http-result.js';
import { CreateAttemptDto, CreateVisitDto, ListVisitsQuery, UpdateVisitDto } from './dto/visit.dto.js';
import { AttemptResponse, VisitPage, VisitResponse } from './dto/visit.response.js';
import { VisitsService } from './visits.service.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('visits')
@Controller()
export class VisitsController {
  constructor(private readonly visits: VisitsService) {}

  /** Plan a visit: a slot, a police officer and a youth worker (or an override), the address as it is now */
  @Can(Action.Plan, 'Visit')
  @Purpose('VISIT_PLANNING')
  @Post('cases/:id/visits')
  create(@CurrentActor() actor: Actor, @Param('id', uuid) caseId: string, @Body() dto: CreateVisitDto): Promise<VisitResponse> {
    return this.visits.create(actor, caseId, dto);
  }

  /** The tablet list: your visits today and tomorrow with name, address, safety notes and earlier attempts */
  @Can(Action.Read, 'Visit')
  @Purpose({ police_officer: 'VISIT', youth_worker: 'VISIT', coordinator: 'VISIT_PLANNING' })
  @Get('visits')
  list(@CurrentActor() actor: Actor, @Query() q: ListVisitsQuery): Promise<VisitPage> {
    return this.visits.list(actor, q);
  }

  /** Reschedule, change visitors or cancel a planned visit (If-Match) */
  @Can(Action.Update, 'Visit')
  @Purpose('VISIT_PLANNING')
  @IfMatchHeader()
  @Patch('visits/:id')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number, @Body() dto: UpdateVisitDto): Promise<VisitResponse> {
    return this.visits.update(actor, id, version, dto);
  }

  /** Record an attempt at the door; it moves the case. Idempotency-Key required: retries never duplicate */
  @Can(Action.Create, 'VisitAttempt')
  @Purpose('VISIT')
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Client-generated; the same key and body return the original answer' })
  @Post('visits/:id/attempts')
  async attempt(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Body() dto: CreateAttemptDto,
    @IdempotencyKeyHeader() key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AttemptResponse> {
    return send(reply, await this.visits.recordAttempt(actor, id, dto, key));
  }
}
