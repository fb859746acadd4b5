import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { BreakGlassService } from './break-glass.service.js';
import { BreakGlassDto, ListGrantsQuery, ReviewGrantDto } from './dto/break-glass.dto.js';
import { BreakGlassGrantCreated, BreakGlassGrantPage, BreakGlassGrantResponse } from './dto/break-glass.response.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('break-glass')
@Controller()
export class BreakGlassController {
  constructor(private readonly breakGlass: BreakGlassService) {}

  /** Emergency access to a case outside your districts for 60 minutes (step-up and a reason of ≥ 20 characters) */
  @Can(Action.Create, 'BreakGlassGrant')
  @Purpose('CASE_MANAGEMENT')
  @Post('cases/:id/break-glass')
  grant(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: BreakGlassDto): Promise<BreakGlassGrantCreated> {
    return this.breakGlass.grant(actor, id, dto);
  }

  /** Emergency grants; `reviewed=false` is the privacy officer's review queue */
  @Can(Action.Read, 'BreakGlassGrant')
  @Purpose('ACCOUNTABILITY')
  @Get('break-glass/grants')
  list(@CurrentActor() actor: Actor, @Query() q: ListGrantsQuery): Promise<BreakGlassGrantPage> {
    return this.breakGlass.list(actor, q);
  }

  /** Record whether an emergency access was justified */
  @Can(Action.Review, 'BreakGlassGrant')
  @Purpose('ACCOUNTABILITY')
  @Post('break-glass/grants/:id/review')
  @HttpCode(200)
  review(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: ReviewGrantDto): Promise<BreakGlassGrantResponse> {
    return this.breakGlass.review(actor, id, dto);
  }
}
