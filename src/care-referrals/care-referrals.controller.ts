import { Body, Controller, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { IfMatchHeader, IfMatchVersion } from '../common/http-params.js';
import { CareReferralsService } from './care-referrals.service.js';
import { CreateCareReferralDto, UpdateCareReferralDto } from './dto/care-referral.dto.js';
import { CareReferralResponse } from './dto/care-referral.response.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('follow-up care')
@Controller()
export class CareReferralsController {
  constructor(private readonly care: CareReferralsService) {}

  /** Offer follow-up care: debt help, a basic bank account, youth care, victim support … */
  @Can(Action.Create, 'CareReferral')
  @Purpose('FOLLOW_UP')
  @Post('cases/:id/care-referrals')
  create(@CurrentActor() actor: Actor, @Param('id', uuid) caseId: string, @Body() dto: CreateCareReferralDto): Promise<CareReferralResponse> {
    return this.care.create(actor, caseId, dto);
  }

  /** Move a care referral along its lifecycle; sending it shares data with the provider (If-Match) */
  @Can(Action.Update, 'CareReferral')
  @Purpose('FOLLOW_UP')
  @IfMatchHeader()
  @Patch('care-referrals/:id')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number, @Body() dto: UpdateCareReferralDto): Promise<CareReferralResponse> {
    return this.care.update(actor, id, version, dto);
  }
}
