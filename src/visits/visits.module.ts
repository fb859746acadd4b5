import { Global, Module } from '@nestjs/common';
import { VisitsController } from './visits.controller.js';
import { VisitsRepository } from './visits.repository.js';
import { VisitsService } from './visits.service.js';

/** Global: conversations check who is on a visit through VisitsService. */
@Global()
@Module({ controllers: [VisitsController], providers: [VisitsService, VisitsRepository], exports: [VisitsService] })
export class VisitsModule {}
