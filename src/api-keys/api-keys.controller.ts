import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { ApiKeysService } from './api-keys.service.js';
import { CreateApiKeyDto, ListApiKeysQuery } from './dto/api-key.dto.js';
import { ApiKeyPage, CreatedApiKeyResponse } from './dto/api-key.response.js';

@ApiTags('admin')
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** Issue a key for a referring organisation; the key is shown once */
  @Can(Action.Create, 'ApiKey')
  @Purpose('ADMINISTRATION')
  @Post()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    return this.keys.create(actor, dto);
  }

  /** Issued keys, newest first, without secrets */
  @Can(Action.Read, 'ApiKey')
  @Purpose('ADMINISTRATION')
  @Get()
  list(@CurrentActor() actor: Actor, @Query() q: ListApiKeysQuery): Promise<ApiKeyPage> {
    return this.keys.list(actor, q);
  }

  /** Revoke a key; it is refused from the next request on */
  @Can(Action.Delete, 'ApiKey')
  @Purpose('ADMINISTRATION')
  @Delete(':id')
  @HttpCode(204)
  async revoke(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<void> {
    await this.keys.revoke(actor, id);
  }
}
