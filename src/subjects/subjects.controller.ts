import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import type { Actor } from '../common/actor.js';
import { CurrentActor } from '../common/current-actor.decorator.js';
import { IfMatchHeader, IfMatchVersion } from '../common/http-params.js';
import { MergeSubjectDto, UpdateSubjectDto } from './dto/subject.dto.js';
import { MergeResponse, SubjectResponse } from './dto/subject.response.js';
import { SubjectsService } from './subjects.service.js';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('subjects')
@Controller('subjects')
export class SubjectsController {
  constructor(private readonly subjects: SubjectsService) {}

  /** The young person, with the fields the caller's role may see */
  @Can(Action.Read, 'Subject')
  @Purpose({ coordinator: 'CASE_MANAGEMENT', police_officer: 'VISIT', youth_worker: 'VISIT' })
  @Get(':id')
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<SubjectResponse> {
    return this.subjects.get(actor, id);
  }

  /** Rectify the subject: address and its verification (guard G4), contact, flags (If-Match) */
  @Can(Action.Update, 'Subject')
  @Purpose('TRIAGE')
  @IfMatchHeader()
  @Patch(':id')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number, @Body() dto: UpdateSubjectDto): Promise<SubjectResponse> {
    return this.subjects.update(actor, id, version, dto);
  }

  /** Confirm that a possible duplicate is a different person (If-Match) */
  @Can(Action.Merge, 'Subject')
  @Purpose('TRIAGE')
  @IfMatchHeader()
  @Post(':id/confirm-distinct')
  @HttpCode(200)
  confirmDistinct(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @IfMatchVersion() version: number): Promise<SubjectResponse> {
    return this.subjects.confirmDistinct(actor, id, version);
  }

  /** Confirm a possible duplicate and merge it into the subject it duplicates */
  @Can(Action.Merge, 'Subject')
  @Purpose('TRIAGE')
  @Post(':id/merge')
  @HttpCode(200)
  merge(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: MergeSubjectDto): Promise<MergeResponse> {
    return this.subjects.merge(actor, id, dto);
  }
}
