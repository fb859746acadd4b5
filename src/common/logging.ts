import { Inject, Injectable, type OnApplicationShutdown, RequestMethod } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accept a well-formed incoming X-Request-Id (for tracing across a proxy), else mint one. */
export function genReqId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Structured JSON logs. Request lines carry method, path without the query string, status and timing;
 * never headers that authenticate, never bodies, never client addresses.
 */
export function loggerParams(config: AppConfig): Params {
  const options = {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[Redacted]' },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    serializers: {
      req: (req: { id?: string; method?: string; url?: string }) => ({ id: req.id, method: req.method, path: (req.url ?? '').split('?')[0].slice(0, 200) }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: (err: Error & { code?: string }) => ({ type: err?.constructor?.name, code: err?.code }),
    },
    autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health/') },
  };
  return {
    // Required on platform-fastify 12.5: the default route pattern matches nothing, which would log no requests.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: config.logFile ? [options, fileDestination(config, config.logFile)] : options,
  };
}

type Destination = ReturnType<typeof pino.destination>;
const buffered = new WeakMap<AppConfig, Destination>();

function fileDestination(config: AppConfig, file: string): Destination {
  // Tests read the file right after their requests (the canary check of AU-08, the fuzz runner's error
  // tail), so there every line is written before the response goes out.
  if (config.nodeEnv === 'test') return pino.destination({ dest: file, sync: true });
  // A synchronous write per line blocks the event loop on every request. Lines collect in a buffer that
  // is written asynchronously once it holds 4 KB and at least every second; what is left is written
  // synchronously at shutdown (LogFlusher) and at process exit (pino's own exit hook).
  const dest = pino.destination({ dest: file, sync: false, minLength: 4096, periodicFlush: 1000 });
  buffered.set(config, dest);
  return dest;
}

/** Writes out the buffered log lines of the app built from `config`. */
export function flushLogFile(config: AppConfig): void {
  const dest = buffered.get(config);
  if (!dest) return;
  // Before the file is open nothing has been written to it; then, and once closed, flushSync would throw.
  const state = dest as unknown as { fd: number; destroyed: boolean };
  if (!state.destroyed && state.fd >= 0) dest.flushSync();
}

/** Flushes the request log when the application shuts down, before main.ts exits the process. */
@Injectable()
export class LogFlusher implements OnApplicationShutdown {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onApplicationShutdown(): void {
    flushLogFile(this.config);
  }
}
