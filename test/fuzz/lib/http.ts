import http from 'node:http';

export interface RawRequest {
  method: string;
  /** Path and query string, already encoded exactly as they go on the wire. */
  url: string;
  headers: Record<string, string>;
  /** The body text as sent (raw JSON text, so keys such as `__proto__` survive), or undefined for none. */
  body?: string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
  ms: number;
}

/**
 * A minimal keep-alive HTTP/1.1 client for the app listening on loopback: bodies go out byte-exact,
 * nothing is re-encoded or re-serialised on the way.
 */
export class HttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 2 });

  constructor(private readonly port: number) {}

  send(req: RawRequest, timeoutMs = 30_000): Promise<RawResponse> {
    const started = Date.now();
    const payload = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string | number> = { ...req.headers };
    if (payload) headers['content-length'] = payload.length;
    return new Promise((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port: this.port, method: req.method, path: req.url, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = undefined;
          if (/json/.test(String(res.headers['content-type'] ?? ''))) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: Date.now() - started });
        });
      });
      r.setTimeout(timeoutMs, () => r.destroy(new Error(`request timed out after ${timeoutMs} ms: ${req.method} ${req.url.slice(0, 200)}`)));
      r.on('error', reject);
      if (payload) r.write(payload);
      r.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Percent-encodes a string for a path segment or query value. Unlike encodeURIComponent it never throws:
 * a lone surrogate goes out as its (invalid) three UTF-8-style bytes, so the server sees exactly that.
 */
export function encodeLoose(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += encodeURIComponent(s[i] + s[i + 1]);
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      out += `%${(0xe0 | (c >> 12)).toString(16).toUpperCase()}%${(0x80 | ((c >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`;
      continue;
    }
    out += encodeURIComponent(s[i]);
  }
  return out;
}
