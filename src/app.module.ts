import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AccountabilityModule } from './accountability/accountability.module.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AccessGuard } from './auth/access.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { AuthorizationModule } from './authorization/authorization.module.js';
import { CommonModule } from './common/common.module.js';
import { loggerParams } from './common/logging.js';
import { ProblemDetailsFilter } from './common/problem-details.filter.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { BreakGlassModule } from './break-glass/break-glass.module.js';
import { CasesModule } from './cases/cases.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { LabelsModule } from './labels/labels.module.js';
import { ReferralsModule } from './referrals/referrals.module.js';
import { ResearchModule } from './research/research.module.js';
import { SubjectsModule } from './subjects/subjects.module.js';
import { CareReferralsModule } from './care-referrals/care-referrals.module.js';
import { ConversationsModule } from './conversations/conversations.module.js';
import { FollowUpsModule } from './follow-ups/follow-ups.module.js';
import { VisitsModule } from './visits/visits.module.js';
import { DemoModule } from './demo/demo.module.js';
import { HealthModule } from './health/health.module.js';
import { OrganisationsModule } from './organisations/organisations.module.js';
import { UsersModule } from './users/users.module.js';
import { EtagInterceptor } from './common/etag.interceptor.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config)),
        CommonModule,
        DatabaseModule,
        AuditModule,
        AuthorizationModule,
        AuthModule,
        HealthModule,
        UsersModule,
        OrganisationsModule,
        ApiKeysModule,
        IdempotencyModule,
        LabelsModule,
        CasesModule,
        ReferralsModule,
        SubjectsModule,
        BreakGlassModule,
        VisitsModule,
        ConversationsModule,
        CareReferralsModule,
        FollowUpsModule,
        AccountabilityModule,
        ResearchModule,
        DemoModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_INTERCEPTOR, useClass: EtagInterceptor },
      ],
    };
  }
}
