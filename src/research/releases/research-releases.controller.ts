import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../../authorization/access.decorators.js';
import { Action } from '../../authorization/actions.js';
import type { Actor } from '../../common/actor.js';
import { CurrentActor } from '../../common/current-actor.decorator.js';
import { IfMatchHeader, IfMatchVersion } from '../../common/http-params.js';
import { BuildReleaseDto, ListReleasesQuery } from '../dto/release.dto.js';
import { ReleaseAccepted, ReleasePage, ReleaseResponse, SigningKeyList } from '../dto/release.response.js';
import { ResearchKeyStore } from '../keys/research-key-store.js';
import { ResearchReleasesService } from './research-releases.service.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('research')
@Controller('research')
export class ResearchReleasesController {
  constructor(
    private readonly releases: ResearchReleasesService,
    private readonly keys: ResearchKeyStore,
  ) {}

  /** Build a frozen release at a quarter-end cutoff; answers 202 and builds in the background */
  @Can(Action.Create, 'ResearchRelease')
  @Purpose('RESEARCH')
  @Post('releases')
  @HttpCode(202)
  build(@CurrentActor() actor: Actor, @Body() dto: BuildReleaseDto): Promise<ReleaseAccepted> {
    return this.releases.requestBuild(actor, dto.cutoff);
  }

  /** Every release with its status and counts (coordinators, privacy officer) */
  @Can(Action.Create, 'ResearchRelease')
  @Purpose('RESEARCH')
  @Get('releases')
  list(@CurrentActor() actor: Actor, @Query() q: ListReleasesQuery): Promise<ReleasePage> {
    return this.releases.list(actor, q);
  }

  /** One release: status of its build, counts, catalogue */
  @Can(Action.Create, 'ResearchRelease')
  @Purpose('RESEARCH')
  @Get('releases/:id')
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<ReleaseResponse> {
    return this.releases.get(actor, id);
  }

  /** Publish a built release to researchers and compute its standard table catalogue (privacy officer) (If-Match) */
  @Can(Action.Review, 'ResearchRelease')
  @Purpose('RESEARCH')
  @IfMatchHeader()
  @Post('releases/:id/publish')
  @HttpCode(200)
  publish(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number): Promise<ReleaseResponse> {
    return this.releases.publish(actor, id, version);
  }

  /** Published releases a project may use */
  @Can(Action.Read, 'ResearchRelease')
  @Purpose('RESEARCH')
  @Get('projects/:id/releases')
  forProject(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<ReleasePage> {
    return this.releases.forProject(actor, id);
  }

  /** Code lists and hierarchies of a published release (members of an approved project) */
  @Can(Action.Read, 'ResearchRelease')
  @Purpose('RESEARCH')
  @Get('projects/:projectId/releases/:releaseId/registry')
  registry(@CurrentActor() actor: Actor, @Param('projectId', uuid) projectId: string, @Param('releaseId', uuid) releaseId: string): Promise<Record<string, unknown>> {
    return this.releases.registry(actor, projectId, releaseId);
  }

  /** Public keys that verify export manifests offline */
  @Can(Action.Read, 'ResearchSigningKey')
  @Purpose('RESEARCH')
  @Get('signing-keys')
  signingKeys(): SigningKeyList {
    return { items: this.keys.publicKeys() };
  }
}
