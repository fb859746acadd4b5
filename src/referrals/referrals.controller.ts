import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { IdempotencyKeyHeader, IfMatchHeader, IfMatchVersion } from '../common/http-params.js';
import { send } from '../common/http-result.js';
import { CreateReferralDto, DecideSignalDto, ListReferralsQuery } from './dto/referral.dto.js';
import { ReferralCreatedResponse, ReferralPage, ReferralResponse } from './dto/referral.response.js';
import { ReferralsService } from './referrals.service.js';

const uuid = new ParseUUIDPipe({ version: '4' });
const READ_PURPOSE = { referrer: 'INTAKE', coordinator: 'TRIAGE', police_officer: 'VISIT', youth_worker: 'VISIT' } as const;

@ApiTags('referrals')
@Controller('referrals')
export class ReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

  /** Submit a signal about a young person; links to a known subject or opens a case */
  @Can(Action.Create, 'Referral')
  @Purpose('INTAKE')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Required for API keys; the same key and body return the original answer' })
  @Post()
  async create(
    @CurrentActor() actor: Actor,
    @Body() dto: CreateReferralDto,
    @IdempotencyKeyHeader() key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReferralCreatedResponse> {
    return send(reply, await this.referrals.create(actor, dto, key));
  }

  /** Referrals in scope: a referrer sees receipts of its own organisation's referrals only */
  @Can(Action.Read, 'Referral')
  @Purpose(READ_PURPOSE)
  @Get()
  list(@CurrentActor() actor: Actor, @Query() q: ListReferralsQuery): Promise<ReferralPage> {
    return this.referrals.list(actor, q);
  }

  /** One referral; a referrer receives the receipt (received / accepted / not accepted) only */
  @Can(Action.Read, 'Referral')
  @Purpose(READ_PURPOSE)
  @Get(':id')
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<ReferralResponse> {
    return this.referrals.get(actor, id);
  }

  /** Take on a new signal that joined an open case, or not (If-Match) */
  @Can(Action.Update, 'Referral')
  @Purpose('TRIAGE')
  @IfMatchHeader()
  @Post(':id/decision')
  @HttpCode(200)
  decide(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number, @Body() dto: DecideSignalDto): Promise<ReferralResponse> {
    return this.referrals.decide(actor, id, version, dto);
  }
}
