import { Global, Module } from '@nestjs/common';
import { CaseAccess } from './case-access.service.js';
import { CaseWorkflow } from './case-workflow.service.js';
import { CasesController } from './cases.controller.js';
import { CasesRepository } from './cases.repository.js';
import { CasesService } from './cases.service.js';

/** Global because visits, conversations, care and follow-ups check access through their case. */
@Global()
@Module({ controllers: [CasesController], providers: [CasesService, CasesRepository, CaseAccess, CaseWorkflow], exports: [CasesService, CaseAccess, CaseWorkflow] })
export class CasesModule {}
