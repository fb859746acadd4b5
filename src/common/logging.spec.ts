import { describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { flushLogFile, loggerParams } from './logging.js';

function fileLogger(nodeEnv: AppConfig['nodeEnv']) {
  const logFile = join(mkdtempSync(join(tmpdir(), 'doorstep-log-')), 'app.log');
  const config = { nodeEnv, logLevel: 'info', logFile } as AppConfig;
  const [, destination] = loggerParams(config).pinoHttp as [unknown, ReturnType<typeof pino.destination>];
  return { config, logFile, destination, logger: pino(destination) };
}

describe('request log file', () => {
  it('buffers lines outside tests and writes them out at shutdown', async () => {
    const { config, logFile, destination, logger } = fileLogger('production');
    // The file opens asynchronously; until then there is nothing to flush into.
    await once(destination, 'ready');
    logger.info({ n: 1 }, 'first line');
    // Below the 4 KB buffer nothing is written yet: no blocking write per request.
    expect(readFileSync(logFile, 'utf8')).toBe('');
    flushLogFile(config);
    expect(readFileSync(logFile, 'utf8')).toContain('"msg":"first line"');
  });

  it('writes every line at once in tests, which read the file right after a request', () => {
    const { logFile, logger } = fileLogger('test');
    logger.info('at once');
    expect(readFileSync(logFile, 'utf8')).toContain('"msg":"at once"');
  });
});
