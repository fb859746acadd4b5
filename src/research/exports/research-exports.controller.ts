import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, StreamableFile } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../../authorization/access.decorators.js';
import { Action } from '../../authorization/actions.js';
import type { Actor } from '../../common/actor.js';
import { CurrentActor } from '../../common/current-actor.decorator.js';
import { CreateExportDto } from '../dto/export.dto.js';
import { ExportAccepted, ExportResponse } from '../dto/export.response.js';
import { ResearchExportsService } from './research-exports.service.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('research')
@Controller('research')
export class ResearchExportsController {
  constructor(private readonly exports: ResearchExportsService) {}

  /** Request a pseudonymised, k-anonymous record-level export (step-up within 10 minutes); answers 202 */
  @Can(Action.Create, 'ResearchExport')
  @Purpose('RESEARCH')
  @Post('projects/:projectId/releases/:releaseId/exports')
  @HttpCode(202)
  create(
    @CurrentActor() actor: Actor,
    @Param('projectId', uuid) projectId: string,
    @Param('releaseId', uuid) releaseId: string,
    @Body() dto: CreateExportDto,
  ): Promise<ExportAccepted> {
    return this.exports.request(actor, projectId, releaseId, dto);
  }

  /** Status of an export and, once verified, its signed manifest */
  @Can(Action.Read, 'ResearchExport')
  @Purpose('RESEARCH')
  @Get('exports/:id')
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<ExportResponse> {
    return this.exports.get(actor, id);
  }

  /** The codebook: per column its role, level, codes and labels */
  @Can(Action.Read, 'ResearchExport')
  @Purpose('RESEARCH')
  @Get('exports/:id/codebook')
  codebook(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<Record<string, unknown>> {
    return this.exports.codebook(actor, id);
  }

  /** The CSV (verified exports only, within 7 days; step-up); every download is an audited disclosure */
  @Can(Action.Read, 'ResearchExport')
  @Purpose('RESEARCH')
  @Get('exports/:id/file')
  @ApiProduces('text/csv')
  @Header('Cache-Control', 'no-store')
  async file(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<StreamableFile> {
    const f = await this.exports.download(actor, id);
    // Streamed with backpressure; an aborted response destroys the stream, which then reads no further slice.
    return new StreamableFile(f.stream, { type: f.contentType, disposition: `attachment; filename="${f.fileName}"`, length: f.size });
  }
}
