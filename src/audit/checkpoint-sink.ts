import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SinkEntry {
  no: number;
  payload: string;
  signature: string;
  keyId: string;
}

/**
 * Signed checkpoints written outside the database (production: write-once storage held by another
 * team). A rewrite of the whole chain inside PostgreSQL cannot also rewrite these.
 */
export class CheckpointSink {
  private readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, 'checkpoints.ndjson');
  }

  append(entry: SinkEntry): void {
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }

  read(): SinkEntry[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as SinkEntry);
  }
}
