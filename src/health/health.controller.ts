import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../authorization/access.decorators.js';
import { HealthService } from './health.service.js';
import { HealthResponse } from './dto/health.response.js';

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: the process answers; no database call. */
  @Public()
  @Get('live')
  @HttpCode(200)
  live(): HealthResponse {
    return { status: 'ok' };
  }

  /** Readiness: the database answers within a second, migrations are current and the app is not shutting down. */
  @Public()
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthResponse> {
    const result = await this.health.readiness();
    void reply.code(result.status === 'ok' ? 200 : 503);
    return result;
  }
}
