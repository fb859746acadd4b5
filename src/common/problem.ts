import { STATUS_CODES } from 'node:http';
import type { FieldError } from './errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** RFC 9457 problem details with Doorstep's stable `code` and the request id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  requestId: string;
  instance?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export function problem(status: number, code: string, detail: string | undefined, requestId: string, extra: Record<string, unknown> = {}): Problem {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    code,
    requestId,
    ...extra,
  };
}
