import helmet from '@fastify/helmet';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { nulSafeJsonParser } from './common/json-body-parser.js';
import { genReqId } from './common/logging.js';
import { decorateOpenApi } from './common/openapi.js';
import { PROBLEM_CONTENT_TYPE, problem } from './common/problem.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/app-config.js';

export const API_PREFIX = 'api/v1';

export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.bodyLimit,
    // Long path parameters reach the validators (400) instead of the router's 414.
    maxParamLength: 1000,
    genReqId,
    requestIdHeader: false,
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    // Requests that arrive while the server drains get a 503 from configureApp's onRequest hook instead
    // of Fastify's fixed body, so they too are problem+json with a code, a request id and Retry-After.
    return503OnClosing: false,
    requestTimeout: 30_000,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Router-level errors (a malformed URL, an over-long parameter) never reach Nest's filters.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      void reply
        .code(status)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .header('x-request-id', request.id)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status], status, detail: 'The request URL is malformed', code: 'MALFORMED_REQUEST', requestId: request.id, instance: request.url.split('?')[0].slice(0, 200) }));
    },
  });
}

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/** Everything main.ts and the e2e tests share, so tests exercise the real HTTP pipeline. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();

  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    if (closing) {
      // Shutting down: in-flight requests finish; new ones on kept-alive connections go elsewhere.
      void reply
        .code(503)
        .header('connection', 'close')
        .header('retry-after', '1')
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .header('cache-control', 'no-store')
        .send(JSON.stringify(problem(503, 'UNAVAILABLE', 'The service is shutting down; retry shortly', req.id, { instance: req.url.split('?')[0].slice(0, 200) })));
      return;
    }
    // A NUL in a query string would otherwise surface as SQLSTATE 22021 deep inside a query.
    if (req.url.includes('%00') || req.url.includes('\u0000')) {
      void reply
        .code(400)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .header('cache-control', 'no-store')
        .send(JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'NUL characters are not allowed in the URL', code: 'VALIDATION_FAILED', requestId: req.id }));
      return;
    }
    done();
  });
  await app.register(helmet as never, {
    contentSecurityPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  fastify.addHook('onSend', (req, reply, payload, done) => {
    const docs = req.url === '/docs' || req.url.startsWith('/docs/');
    reply.header('content-security-policy', docs ? DOCS_CSP : API_CSP);
    if (!docs) reply.header('cache-control', 'no-store');
    reply.removeHeader('x-powered-by');
    done(null, payload);
  });

  app.useBodyParser('application/json', { bodyLimit: config.bodyLimit }, nulSafeJsonParser(fastify) as never);
  fastify.removeContentTypeParser('text/plain');
  // Forms are CORS-"simple" requests a foreign site can send; JSON only.
  app.useBodyParser('application/x-www-form-urlencoded', {}, (() => {
    throw new UnsupportedMediaTypeException();
  }) as never);

  app.enableCors({ origin: config.corsOrigins.length > 0 ? config.corsOrigins : false, credentials: false });
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready'] });
  app.useGlobalPipes(createValidationPipe());

  if (config.docsEnabled) {
    const document = await buildOpenApiDocument(app, config);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
  }
}

export async function buildOpenApiDocument(app: NestFastifyApplication, config: AppConfig): Promise<OpenAPIObject> {
  const { default: metadata } = await import('./metadata.js');
  await SwaggerModule.loadPluginMetadata(metadata);
  const builder = new DocumentBuilder()
    .setTitle('Doorstep API')
    .setDescription('Case management for the money-mule knock & talk intervention. Errors are application/problem+json (RFC 9457).')
    .setVersion(config.appVersion)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Session token from POST /auth/login, or an API key for referrer systems' })
    .build();
  return decorateOpenApi(SwaggerModule.createDocument(app, builder));
}
