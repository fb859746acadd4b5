import { Module } from '@nestjs/common';
import { ResearchExportsController } from './exports/research-exports.controller.js';
import { ResearchExportsRepository } from './exports/research-exports.repository.js';
import { ResearchExportsService } from './exports/research-exports.service.js';
import { ResearchKeyStore } from './keys/research-key-store.js';
import { ResearchProjectsController } from './projects/research-projects.controller.js';
import { ResearchProjectsRepository } from './projects/research-projects.repository.js';
import { ResearchProjectsService } from './projects/research-projects.service.js';
import { ReleaseData } from './releases/release-data.js';
import { ReleaseSourceRepository } from './releases/release-source.repository.js';
import { ResearchReleasesController } from './releases/research-releases.controller.js';
import { ResearchReleasesRepository } from './releases/research-releases.repository.js';
import { ResearchReleasesService } from './releases/research-releases.service.js';
import { ResearchJobs } from './research-jobs.js';
import { ResearchRegistersController } from './research-registers.controller.js';
import { ResearchRegistersService } from './tables/research-registers.service.js';
import { ResearchTablesController } from './tables/research-tables.controller.js';
import { ResearchTablesRepository } from './tables/research-tables.repository.js';
import { ResearchTablesService } from './tables/research-tables.service.js';

/** De-identified statistics and exports for approved research projects (research-data.md). */
@Module({
  controllers: [ResearchProjectsController, ResearchReleasesController, ResearchTablesController, ResearchExportsController, ResearchRegistersController],
  providers: [
    ResearchKeyStore,
    ResearchJobs,
    ResearchProjectsRepository,
    ResearchProjectsService,
    ResearchReleasesRepository,
    ReleaseSourceRepository,
    ReleaseData,
    ResearchReleasesService,
    ResearchTablesRepository,
    ResearchTablesService,
    ResearchRegistersService,
    ResearchExportsRepository,
    ResearchExportsService,
  ],
  exports: [ResearchReleasesService, ResearchProjectsService, ResearchJobs, ResearchKeyStore],
})
export class ResearchModule {}
