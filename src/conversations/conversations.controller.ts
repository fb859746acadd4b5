import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { IdempotencyKeyHeader } from '../common/http-params.js';
import { send } from '../common/http-result.js';
import { ConversationsService } from './conversations.service.js';
import { CreateConversationDto } from './dto/conversation.dto.js';
import { ConversationResponse } from './dto/conversation.response.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('visits')
@Controller('visits')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  /** Record the conversation of a CONVERSATION_HELD attempt. Idempotency-Key required */
  @Can(Action.Create, 'Conversation')
  @Purpose('VISIT')
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Client-generated; the same key and body return the original answer' })
  @Post(':id/conversation')
  async create(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Body() dto: CreateConversationDto,
    @IdempotencyKeyHeader() key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConversationResponse> {
    return send(reply, await this.conversations.create(actor, id, dto, key));
  }

  /** The conversation held on this visit, with the fields your role may see */
  @Can(Action.Read, 'Conversation')
  @Purpose({ coordinator: 'CASE_MANAGEMENT', police_officer: 'VISIT', youth_worker: 'VISIT' })
  @Get(':id/conversation')
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<ConversationResponse> {
    return this.conversations.getForVisit(actor, id);
  }
}
