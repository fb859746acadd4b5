import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { newApiKey } from '../auth/token.js';
import type { Actor } from '../common/actor.js';
import { Clock } from '../common/clock.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import { Db } from '../database/db.service.js';
import { ApiKeyError } from './api-keys.errors.js';
import { ApiKeysRepository, type ApiKeyRow } from './api-keys.repository.js';
import type { CreateApiKeyDto, ListApiKeysQuery } from './dto/api-key.dto.js';
import type { ApiKeyResponse, CreatedApiKeyResponse } from './dto/api-key.response.js';

const YEAR_MS = 366 * 24 * 3_600_000;

const toResponse = (k: ApiKeyRow): ApiKeyResponse => ({
  id: k.id,
  keyId: k.keyId,
  organisationId: k.organisationId,
  name: k.name,
  createdAt: k.createdAt.toISOString(),
  expiresAt: k.expiresAt.toISOString(),
  revokedAt: k.revokedAt?.toISOString() ?? null,
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});

/** Referrer system keys: bound to one referring organisation, shown once, stored as a digest, revocable. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: Db,
    private readonly repo: ApiKeysRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async create(actor: Actor, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    const now = this.clock.now();
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : new Date(now.getTime() + 365 * 24 * 3_600_000);
    if (expiresAt.getTime() <= now.getTime() || expiresAt.getTime() - now.getTime() > YEAR_MS) {
      throw new ApiKeyError('VALIDATION_FAILED', 'expiresAt must lie within the next year', { errors: [{ field: 'expiresAt', code: 'OUT_OF_RANGE', message: 'expiresAt must lie within the next year' }] });
    }
    return this.db.tx(actor, async (tx) => {
      const org = await this.repo.referringOrganisation(tx, dto.organisationId);
      if (!org || !org.active || !org.canRefer) {
        throw new ApiKeyError('VALIDATION_FAILED', 'The organisation may not refer', { errors: [{ field: 'organisationId', code: 'NOT_A_REFERRER', message: 'organisationId must be an active organisation that may refer' }] });
      }
      const { token, keyId, secretDigest } = newApiKey();
      const row = await this.repo.create(tx, { keyId, secretSha256: secretDigest, organisationId: dto.organisationId, name: dto.name, expiresAt, createdBy: actor.userId });
      await this.audit.record(tx, { action: 'API_KEY_CREATE', objectType: 'ApiKey', objectIds: [row.id] });
      return { ...toResponse(row), key: token };
    });
  }

  async list(actor: Actor, q: ListApiKeysQuery): Promise<Page<ApiKeyResponse>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => toPage(await this.repo.list(tx, after, limit), limit, (r) => [r.createdAt.toISOString(), r.id], toResponse));
  }

  async revoke(actor: Actor, id: string): Promise<void> {
    await this.db.tx(actor, async (tx) => {
      if (!(await this.repo.revoke(tx, id, this.clock.now()))) throw new ApiKeyError('NOT_FOUND', 'API key not found');
      await this.audit.record(tx, { action: 'API_KEY_REVOKE', objectType: 'ApiKey', objectIds: [id] });
    });
  }
}
