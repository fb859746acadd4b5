import { Module } from '@nestjs/common';
import { ResearchModule } from '../research/research.module.js';
import { DemoSeedService } from './demo-seed.service.js';

@Module({ imports: [ResearchModule], providers: [DemoSeedService] })
export class DemoModule {}
