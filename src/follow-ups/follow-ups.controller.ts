import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { IfMatchHeader, IfMatchVersion } from '../common/http-params.js';
import { CreateFollowUpDto, ListFollowUpsQuery, UpdateFollowUpDto } from './dto/follow-up.dto.js';
import { FollowUpPage, FollowUpResponse } from './dto/follow-up.response.js';
import { FollowUpsService } from './follow-ups.service.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('follow-up care')
@Controller()
export class FollowUpsController {
  constructor(private readonly followUps: FollowUpsService) {}

  /** Plan a further follow-up contact (up to the configured maximum) */
  @Can(Action.Create, 'FollowUp')
  @Purpose('FOLLOW_UP')
  @Post('cases/:id/follow-ups')
  create(@CurrentActor() actor: Actor, @Param('id', uuid) caseId: string, @Body() dto: CreateFollowUpDto): Promise<FollowUpResponse> {
    return this.followUps.create(actor, caseId, dto);
  }

  /** Record a follow-up contact: when, how, and what the young person reports (If-Match) */
  @Can(Action.Update, 'FollowUp')
  @Purpose('FOLLOW_UP')
  @IfMatchHeader()
  @Patch('follow-ups/:id')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number, @Body() dto: UpdateFollowUpDto): Promise<FollowUpResponse> {
    return this.followUps.update(actor, id, version, dto);
  }

  /** Follow-ups in your scope; `due=overdue` for what is late */
  @Can(Action.Read, 'FollowUp')
  @Purpose('FOLLOW_UP')
  @Get('follow-ups')
  list(@CurrentActor() actor: Actor, @Query() q: ListFollowUpsQuery): Promise<FollowUpPage> {
    return this.followUps.list(actor, q);
  }
}
