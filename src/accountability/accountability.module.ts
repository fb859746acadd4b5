import { Module } from '@nestjs/common';
import { AccountabilityController } from './accountability.controller.js';
import { AccountabilityRepository } from './accountability.repository.js';
import { AccountabilityService } from './accountability.service.js';

@Module({ controllers: [AccountabilityController], providers: [AccountabilityService, AccountabilityRepository] })
export class AccountabilityModule {}
