import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { constraintOf, isUnavailable, sqlState } from '../database/pg-errors.js';
import { DomainError, type ErrorCode, type FieldError } from './errors.js';
import { PROBLEM_CONTENT_TYPE, problem, type Problem } from './problem.js';

const FASTIFY_CODES: Record<string, [number, ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'MALFORMED_REQUEST', 'The request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'MALFORMED_REQUEST', 'The request body is empty but declared as JSON'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than the configured limit'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'Only application/json request bodies are accepted'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'MALFORMED_REQUEST', 'Content-Length does not match the body'],
  FST_ERR_CTP_INVALID_TYPE: [400, 'MALFORMED_REQUEST', 'Invalid Content-Type header'],
};

const STATUS_CODES_BY_HTTP: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'VERSION_CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  428: 'PRECONDITION_REQUIRED',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

interface Mapped {
  status: number;
  code: string;
  detail?: string;
  errors?: FieldError[];
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  logAs?: 'error' | 'security';
}

/**
 * The one global filter: every failure, from Fastify's parser to a domain rule, leaves as
 * application/problem+json with a stable code and the request id. 5xx bodies carry no internals, and
 * the log line carries only the error class and SQLSTATE, never a message that could echo input.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const res = ctx.getResponse<FastifyReply | ServerResponse>();
    const m = this.map(exception);
    const requestId = String(req?.id ?? '');
    if (m.status >= 500 || m.logAs) this.log(exception, m, requestId);
    const body: Problem = problem(m.status, m.code, m.detail, requestId, {
      instance: (req?.url ?? '').split('?')[0].slice(0, 200),
      ...(m.errors ? { errors: m.errors } : {}),
      ...(m.extra ?? {}),
    });
    const payload = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...(m.headers ?? {}) };
    if ('raw' in res) {
      if (res.sent) return;
      void res.status(m.status).headers(headers).send(payload);
    } else {
      if (res.headersSent) return;
      res.statusCode = m.status;
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      res.end(payload);
    }
  }

  private map(e: unknown): Mapped {
    if (e instanceof DomainError) {
      const headers: Record<string, string> = { ...(e.options.headers ?? {}) };
      if (e.options.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(e.options.retryAfterSeconds)));
      return {
        status: e.status,
        code: e.code,
        detail: e.status >= 500 ? undefined : e.message,
        errors: e.options.errors,
        extra: e.options.details,
        headers,
        logAs: e.status === 500 ? 'error' : undefined,
      };
    }
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const cause = (e as { cause?: { code?: string } }).cause;
      const fst = cause?.code ? FASTIFY_CODES[cause.code] : undefined;
      if (fst) return { status: fst[0], code: fst[1], detail: fst[2] };
      if (status === 404) return { status, code: 'NOT_FOUND', detail: 'No such resource' };
      if (status >= 500) return { status: 500, code: 'INTERNAL' };
      const response = e.getResponse();
      const detail = typeof response === 'string' ? response : typeof (response as { message?: unknown }).message === 'string' ? ((response as { message: string }).message) : e.message;
      return { status, code: STATUS_CODES_BY_HTTP[status] ?? 'VALIDATION_FAILED', detail: safeDetail(detail) };
    }
    const state = sqlState(e);
    if (isUnavailable(e)) {
      return { status: 503, code: 'UNAVAILABLE', detail: 'The service is temporarily unavailable; retry later', headers: { 'retry-after': '2' }, logAs: 'error' };
    }
    if (state === '22021' || state === '22P05' || state === '22P02' || state === '22007' || state === '22008' || state === '22003') {
      // Validation should have caught it before the database did.
      return { status: 400, code: 'VALIDATION_FAILED', detail: 'A value could not be processed', logAs: 'error' };
    }
    if (state === '23505') return { status: 409, code: 'CONFLICT', detail: 'The record conflicts with an existing one', logAs: 'error' };
    if (state === '42501' || state === 'P0001') return { status: 500, code: 'INTERNAL', logAs: 'security' };
    const statusCode = (e as { statusCode?: unknown })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return { status: statusCode, code: STATUS_CODES_BY_HTTP[statusCode] ?? 'VALIDATION_FAILED', detail: 'The request could not be processed' };
    }
    return { status: 500, code: 'INTERNAL' };
  }

  private log(e: unknown, m: Mapped, requestId: string): void {
    const state = sqlState(e);
    const entry = {
      requestId,
      status: m.status,
      code: m.code,
      errorClass: e instanceof Error ? e.constructor.name : typeof e,
      ...(state ? { sqlState: state, constraint: constraintOf(e), table: (e as { table?: string }).table } : {}),
      // Stack frames name code locations only; the message line is dropped because a driver message can echo input.
      ...(e instanceof Error && !state && m.status >= 500 && !isUnavailable(e) ? { stack: (e.stack ?? '').split('\n').slice(1, 8).join('\n') } : {}),
    };
    if (m.logAs === 'security') this.logger.error({ ...entry, security: true }, 'security event: database refused a privileged operation');
    else this.logger.error(entry, 'request failed');
  }
}

/** Framework messages are short and fixed; anything long or odd is replaced rather than echoed. */
function safeDetail(detail: string): string {
  if (!detail || detail.length > 200) return 'The request could not be processed';
  return detail;
}
