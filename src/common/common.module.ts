import { Global, Module } from '@nestjs/common';
import { Clock } from './clock.js';
import { LogFlusher } from './logging.js';

@Global()
@Module({ providers: [Clock, LogFlusher], exports: [Clock] })
export class CommonModule {}
