import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service.js';
import { MigrationState } from '../database/migration-state.service.js';
import type { HealthResponse } from './dto/health.response.js';

@Injectable()
export class HealthService {
  constructor(
    private readonly db: Db,
    private readonly migrations: MigrationState,
  ) {}

  async readiness(): Promise<HealthResponse> {
    if (this.db.isShuttingDown) return { status: 'unavailable', reason: 'shutting_down' };
    if (!(await this.db.ping(1000))) return { status: 'unavailable', reason: 'database' };
    if (!this.migrations.current) return { status: 'unavailable', reason: 'migrations' };
    return { status: 'ok' };
  }
}
