import { Global, Module } from '@nestjs/common';
import { AuditSealer } from './audit-sealer.service.js';
import { AuditVerification } from './audit-verification.service.js';
import { AuditService } from './audit.service.js';

@Global()
@Module({ providers: [AuditService, AuditSealer, AuditVerification], exports: [AuditService, AuditSealer, AuditVerification] })
export class AuditModule {}
