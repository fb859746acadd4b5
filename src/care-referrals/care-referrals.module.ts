import { Module } from '@nestjs/common';
import { CareReferralsController } from './care-referrals.controller.js';
import { CareReferralsRepository } from './care-referrals.repository.js';
import { CareReferralsService } from './care-referrals.service.js';

@Module({ controllers: [CareReferralsController], providers: [CareReferralsService, CareReferralsRepository] })
export class CareReferralsModule {}
