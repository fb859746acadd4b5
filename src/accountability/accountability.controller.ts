import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { AccountabilityService } from './accountability.service.js';
import { AccessLogQuery, SearchAuditEventsQuery, VerifyQuery } from './dto/accountability.dto.js';
import { AccessLogPage, AuditEventPage, VerifyResponse } from './dto/accountability.response.js';

@ApiTags('accountability')
@Controller()
export class AccountabilityController {
  constructor(private readonly accountability: AccountabilityService) {}

  /** Search the audit trail (privacy officer, second factor) */
  @Can(Action.Read, 'AuditEvent')
  @Purpose('ACCOUNTABILITY')
  @Get('audit/events')
  search(@CurrentActor() actor: Actor, @Query() q: SearchAuditEventsQuery): Promise<AuditEventPage> {
    return this.accountability.search(actor, q);
  }

  /** Verify the hash chain and signed checkpoints now */
  @Can(Action.Read, 'AuditEvent')
  @Purpose('ACCOUNTABILITY')
  @Get('audit/verify')
  verify(@CurrentActor() actor: Actor, @Query() q: VerifyQuery): Promise<VerifyResponse> {
    return this.accountability.verify(actor, q.full === 'true');
  }

  /** Who saw or changed this person's data, when and why (chronological; merged records included) */
  @Can(Action.Read, 'AccessLog')
  @Purpose('ACCOUNTABILITY')
  @Get('subjects/:id/access-log')
  accessLog(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Query() q: AccessLogQuery): Promise<AccessLogPage> {
    return this.accountability.accessLog(actor, id, q);
  }
}
