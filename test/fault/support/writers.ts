import { randomBytes, randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { http, NetworkError, sleep, type HttpResponse } from './http.js';

export interface Principal {
  username: string;
  token: string;
  sourceType: string;
}

export interface Ack {
  key: string;
  id: string;
  /** Set for coordinators (referrers get a receipt without the case). */
  caseId: string | null;
  status: number;
  at: number;
  replayed: boolean;
  attempts: number;
}

/** One request as the client saw it, kept for the SIGTERM test's in-flight analysis. */
export interface Exchange {
  key: string;
  sentAt: number;
  doneAt: number;
  status: number | null;
  network: string | null;
  requestSent: boolean;
}

export interface WriterStats {
  requests: number;
  retries: number;
  replays: number;
  byStatus: Record<string, number>;
  network: Record<string, number>;
  /** Answers the fault tier forbids: anything but 2xx, 503 problem+json and 409 (a duplicate in flight). */
  unexpected: Array<{ status: number; body: string }>;
  /** 503s that were not problem+json with code UNAVAILABLE and a Retry-After. */
  malformed503: number;
}

function randomName(len: number): string {
  const consonants = 'bdfghjklmnprstvwz';
  const vowels = 'aeiou';
  const bytes = randomBytes(len);
  const s = Array.from(bytes, (b, i) => (i % 2 === 0 ? consonants[b % consonants.length] : vowels[b % vowels.length])).join('');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lastMonth(): string {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

/** A referral for a new person; the external reference carries the idempotency key so rows map back to keys. */
export function referralBody(key: string, sourceType: string): Record<string, unknown> {
  const b = randomBytes(3);
  return {
    sourceType,
    legalBasisCode: 'COVENANT_ART_5',
    reasonCodes: ['ACCOUNT_USED_FOR_FRAUD'],
    incidentMonth: lastMonth(),
    externalReference: `FLT-${key}`,
    amountBand: '1K_5K',
    fraudType: 'MARKETPLACE',
    subject: {
      givenNames: `Fault ${randomName(7)}`,
      familyName: randomName(10),
      dateOfBirth: `${2001 + (b[0] % 8)}-${String(1 + (b[1] % 12)).padStart(2, '0')}-${String(1 + (b[2] % 28)).padStart(2, '0')}`,
      sex: 'FEMALE',
      address: { street: 'Storingsweg', houseNumber: '7b', postcode: '3511 AB', municipality: 'Utrecht' },
    },
  };
}

/**
 * Closed-loop clients that submit referrals with Idempotency-Key headers. Each client works on one key
 * until the server acknowledges it (2xx), retrying the same key and body after a 503, a 409 or a
 * transport error, then takes a new key. Every loop is bounded in time.
 */
export class ReferralWriters {
  readonly acked = new Map<string, Ack>();
  /** Keys a client is still working on (sent at least once, not yet acknowledged). */
  readonly pending = new Set<string>();
  readonly exchanges: Exchange[] = [];
  readonly stats: WriterStats = { requests: 0, retries: 0, replays: 0, byStatus: {}, network: {}, unexpected: [], malformed503: 0 };
  readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private stopNew = false;
  private hardStop = false;
  private loops: Promise<void>[] = [];
  keepExchanges = false;

  constructor(
    private base: string,
    private readonly principals: Principal[],
    /** Prefix of this run's keys, so each test checks only its own rows. */
    readonly tag: string,
    private readonly opts: { clients: number; retryMinMs?: number; retryMaxMs?: number } = { clients: 50 },
  ) {}

  /** Points the clients at another app process (after an API restart). */
  retarget(base: string): void {
    this.base = base;
    this.agent.destroy();
  }

  start(): void {
    this.stopNew = false;
    this.hardStop = false;
    for (let i = 0; i < this.opts.clients; i++) this.loops.push(this.client(i));
  }

  /** Stop taking new keys and wait until every client has its current key acknowledged. */
  async drain(timeoutMs: number): Promise<void> {
    this.stopNew = true;
    const timer = setTimeout(() => {
      this.hardStop = true;
    }, timeoutMs);
    await Promise.all(this.loops);
    clearTimeout(timer);
    this.loops = [];
    if (this.pending.size > 0) throw new Error(`${this.pending.size} keys were never acknowledged within ${timeoutMs} ms`);
  }

  /** Abandon work at once (test teardown after a failure). */
  async abort(): Promise<void> {
    this.hardStop = true;
    this.stopNew = true;
    await Promise.all(this.loops);
    this.loops = [];
    this.agent.destroy();
  }

  firstAckAfter(t: number): number | null {
    let best: number | null = null;
    for (const a of this.acked.values()) if (a.at >= t && (best === null || a.at < best)) best = a.at;
    return best;
  }

  private count(map: Record<string, number>, k: string): void {
    map[k] = (map[k] ?? 0) + 1;
  }

  private async client(i: number): Promise<void> {
    const p = this.principals[i % this.principals.length];
    while (!this.stopNew && !this.hardStop) {
      const key = `${this.tag}-${randomUUID()}`;
      const body = referralBody(key, p.sourceType);
      this.pending.add(key);
      let attempts = 0;
      while (!this.hardStop) {
        attempts++;
        if (attempts > 1) this.stats.retries++;
        this.stats.requests++;
        const sentAt = Date.now();
        let res: HttpResponse | null = null;
        let net: NetworkError | null = null;
        try {
          res = await http(this.base, 'POST', '/api/v1/referrals', {
            agent: this.agent,
            headers: { authorization: `Bearer ${p.token}`, 'idempotency-key': key },
            body,
            timeoutMs: 40_000,
          });
        } catch (e) {
          net = e instanceof NetworkError ? e : new NetworkError(String((e as Error)?.message), false);
        }
        const doneAt = Date.now();
        if (this.keepExchanges) this.exchanges.push({ key, sentAt, doneAt, status: res?.status ?? null, network: net?.code ?? null, requestSent: net?.requestSent ?? true });
        if (res) {
          this.count(this.stats.byStatus, String(res.status));
          if (res.status >= 200 && res.status < 300) {
            const replayed = res.headers['idempotent-replayed'] === 'true';
            if (replayed) this.stats.replays++;
            const b = res.body as { id: string; caseId?: string };
            this.acked.set(key, { key, id: b.id, caseId: b.caseId ?? null, status: res.status, at: doneAt, replayed, attempts });
            this.pending.delete(key);
            break;
          }
          if (res.status === 503) {
            const b = res.body as { code?: string };
            if (!/application\/problem\+json/.test(String(res.headers['content-type'])) || (b.code !== 'UNAVAILABLE' && res.headers['retry-after'] === undefined)) this.stats.malformed503++;
          } else if (res.status !== 409) {
            if (this.stats.unexpected.length < 50) this.stats.unexpected.push({ status: res.status, body: res.text.slice(0, 300) });
            else this.stats.unexpected.length++;
          }
        } else if (net) {
          this.count(this.stats.network, net.code);
        }
        // Shorter than Retry-After on purpose: recovery is measured to a few hundred milliseconds.
        const min = this.opts.retryMinMs ?? 150;
        const max = this.opts.retryMaxMs ?? 400;
        await sleep(min + Math.random() * (max - min));
      }
    }
  }
}

export async function loginAll(base: string, users: Array<{ username: string; sourceType: string }>, password: string): Promise<Principal[]> {
  const out: Principal[] = [];
  for (const u of users) {
    const r = await http(base, 'POST', '/api/v1/auth/login', { body: { username: u.username, password } });
    if (r.status !== 200) throw new Error(`login ${u.username}: ${r.status} ${r.text}`);
    out.push({ username: u.username, sourceType: u.sourceType, token: (r.body as { token: string }).token });
  }
  return out;
}
