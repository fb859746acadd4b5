import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Can, Purpose } from '../authorization/access.decorators.js';
import { Action } from '../authorization/actions.js';
import { LabelsQuery } from './dto/labels.dto.js';
import { LabelsResponse } from './dto/labels.response.js';
import { ENUMS, NL, englishLabel } from './labels.i18n.js';

@ApiTags('labels')
@Controller('labels')
export class LabelsController {
  /** Dutch or English labels for every coded value of the API */
  @Can(Action.Read, 'Label')
  @Purpose('ADMINISTRATION')
  @Get()
  labels(@Query() q: LabelsQuery): LabelsResponse {
    const lang = q.lang ?? 'nl';
    const labels: Record<string, Record<string, string>> = {};
    for (const [name, values] of Object.entries(ENUMS)) {
      labels[name] = Object.fromEntries(values.map((v) => [v, lang === 'nl' ? NL[v] : englishLabel(v)]));
    }
    return { lang, labels };
  }
}
