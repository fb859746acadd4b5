import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  // Parsed JSON when the body is JSON, otherwise the raw text.
  body: unknown;
  text: string;
}

/** A transport failure: no HTTP status came back (refused, reset, timed out). */
export class NetworkError extends Error {
  constructor(
    readonly code: string,
    /** True when the request was fully written before the failure, so the server may have processed it. */
    readonly requestSent: boolean,
  ) {
    super(`network error ${code}`);
  }
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
  agent?: Agent;
}

/**
 * One HTTP exchange on loopback with node:http rather than fetch, so a reset, a refusal and a timeout
 * stay distinguishable (the fault tests count them separately) and keep-alive is under our control.
 */
export function http(base: string, method: string, path: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  const url = new URL(path, base);
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    let sent = false;
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e: NodeJS.ErrnoException) => reject(new NetworkError(e.code ?? 'ERESPONSE', true)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        if (/json/.test(String(res.headers['content-type'] ?? '')) && text) {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
      });
    });
    req.setTimeout(opts.timeoutMs ?? 40_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('finish', () => {
      sent = true;
    });
    req.on('error', (e: NodeJS.ErrnoException) => reject(new NetworkError(e.code ?? e.message, sent)));
    req.end(payload);
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
