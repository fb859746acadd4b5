import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../../authorization/access.decorators.js';
import { Action } from '../../authorization/actions.js';
import type { Actor } from '../../common/actor.js';
import { CurrentActor } from '../../common/current-actor.decorator.js';
import { IfMatchHeader, IfMatchVersion } from '../../common/http-params.js';
import { CreateProjectDto, ListProjectsQuery, UpdateProjectDto } from '../dto/project.dto.js';
import { ProjectPage, ProjectResponse } from '../dto/project.response.js';
import { ResearchProjectsService } from './research-projects.service.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('research')
@Controller('research/projects')
export class ResearchProjectsController {
  constructor(private readonly projects: ResearchProjectsService) {}

  /** Research projects: researchers see the ones they are named in; coordinators and the privacy officer all */
  @Can(Action.Read, 'ResearchProject')
  @Purpose('RESEARCH')
  @Get()
  list(@CurrentActor() actor: Actor, @Query() q: ListProjectsQuery): Promise<ProjectPage> {
    return this.projects.list(actor, q);
  }

  /** Draft a research project (coordinator or privacy officer) */
  @Can(Action.Create, 'ResearchProject')
  @Purpose('RESEARCH')
  @Post()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateProjectDto): Promise<ProjectResponse> {
    return this.projects.create(actor, dto);
  }

  /** One project; a researcher who is not a member gets 404 */
  @Can(Action.Read, 'ResearchProject')
  @Purpose('RESEARCH')
  @Get(':id')
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<ProjectResponse> {
    return this.projects.get(actor, id);
  }

  /** Change a project: members, scope and expiry (privacy officer; the drafting coordinator while it is a draft) (If-Match) */
  @Can(Action.Update, 'ResearchProject')
  @Purpose('RESEARCH')
  @IfMatchHeader()
  @Patch(':id')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number, @Body() dto: UpdateProjectDto): Promise<ProjectResponse> {
    return this.projects.update(actor, id, version, dto);
  }

  /** Approve a project (a privacy officer who did not draft it); creates its pseudonymisation key (If-Match) */
  @Can(Action.Review, 'ResearchProject')
  @Purpose('RESEARCH')
  @IfMatchHeader()
  @Post(':id/approve')
  @HttpCode(200)
  approve(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number): Promise<ProjectResponse> {
    return this.projects.approve(actor, id, version);
  }

  /** Suspend an approved project: research routes refuse until it is approved again (If-Match) */
  @Can(Action.Review, 'ResearchProject')
  @Purpose('RESEARCH')
  @IfMatchHeader()
  @Post(':id/suspend')
  @HttpCode(200)
  suspend(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number): Promise<ProjectResponse> {
    return this.projects.suspend(actor, id, version);
  }

  /** End a project and destroy its pseudonymisation key for good (If-Match) */
  @Can(Action.Review, 'ResearchProject')
  @Purpose('RESEARCH')
  @IfMatchHeader()
  @Post(':id/close')
  @HttpCode(200)
  close(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number): Promise<ProjectResponse> {
    return this.projects.close(actor, id, version);
  }
}
