/**
 * Runs the properties: per operation, `FUZZ_RUNS` generated requests sent one after another, each checked
 * against the response invariants and the app's error log; after each operation's batch, readiness,
 * prototype poisoning and a scan of the whole database for canaries and NUL.
 */
import fc from 'fast-check';
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Db } from '../../../src/database/db.service.js';
import { conversationBody, localTime } from '../../factories/visits.js';
import { referralBody } from '../../factories/referrals.js';
import { TEST_PASSWORD, type World } from '../../factories/world.js';
import { CANARY_K, CANARY_V, RawJson, requestArb, toJsonText, type GenContext, type RequestTemplate } from './arbitraries.js';
import { encodeLoose, type HttpClient, type RawRequest, type RawResponse } from './http.js';
import { checkResponse, injectedIn, type SentMeta } from './invariants.js';
import type { OpenApiDoc, Operation } from './openapi.js';
import { ALL_PRINCIPALS, USER_PRINCIPALS, type Fixtures, type Harvest, type Sessions } from './world.js';

export interface RunOptions {
  runs: number;
  baseSeed: number;
  /** Collect every distinct violation instead of stopping and shrinking at the first. */
  survey: boolean;
  /** Predicate runs allowed after the first failure (shrinking). */
  shrinkBudget: number;
  /** Wall-clock cap per operation (ms); 0 for none. */
  opTimeLimitMs: number;
  failuresDir: string;
  replay?: FailureFile;
}

export interface FailureFile {
  operation: string;
  seed: number;
  baseSeed: number;
  path: string | null;
  numRuns: number;
  violations: string[];
  counterexample: unknown;
  request?: unknown;
  response?: unknown;
  log?: string[];
  survey?: unknown[];
  batch?: string[];
  replay: string;
}

export interface OperationResult {
  op: string;
  runs: number;
  /** Stopped by the per-operation time limit before all runs were made. */
  interrupted: boolean;
  ms: number;
  statuses: Record<string, number>;
  violations: string[];
  file?: string;
}

interface Sent {
  n: number;
  raw: RawRequest;
  principal: string;
  meta: SentMeta;
  res: RawResponse;
  violations: string[];
  log: string[];
}

interface Record_ {
  op: string;
  principal: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
}

const API = '/api/v1';

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** New lines of the app's JSON log since the last read. */
class LogTail {
  private offset = 0;
  private partial = '';
  constructor(private readonly file: string) {
    try {
      this.offset = statSync(file).size;
    } catch {
      this.offset = 0;
    }
  }

  read(): Array<Record<string, unknown> & { raw: string }> {
    let size = 0;
    try {
      size = statSync(this.file).size;
    } catch {
      return [];
    }
    if (size <= this.offset) return [];
    const fd = openSync(this.file, 'r');
    const buf = Buffer.alloc(size - this.offset);
    try {
      readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const text = this.partial + buf.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const out: Array<Record<string, unknown> & { raw: string }> = [];
    for (const raw of lines) {
      if (!raw.trim()) continue;
      try {
        out.push({ ...(JSON.parse(raw) as Record<string, unknown>), raw });
      } catch {
        out.push({ level: 60, raw, msg: 'unparseable log line' });
      }
    }
    return out;
  }
}

const idOfLine = (l: Record<string, unknown>): string | undefined =>
  (typeof l.requestId === 'string' ? l.requestId : undefined) ?? ((l.req as { id?: string } | undefined)?.id) ?? (typeof l.reqId === 'string' ? l.reqId : undefined);

/** One line that reproduces a request: method, URL, principal, headers that matter, body, and the answer. */
function repro(s: Sent): string {
  const squeeze = (t: string | undefined, n: number) => {
    if (!t) return '';
    const c = t.replace(/([[\]{}"a-z])\1{20,}/gi, (m) => `${m.slice(0, 6)}…×${m.length}`);
    return c.length > n ? `${c.slice(0, n)}…[${t.length} chars]` : c;
  };
  const h = s.raw.headers;
  const extra = ['content-type', 'if-match', 'idempotency-key'].filter((k) => h[k] !== undefined).map((k) => `${k}: ${squeeze(h[k], 60)}`).join('; ');
  return `${s.raw.method} ${squeeze(s.raw.url, 300)} as ${s.principal}${extra ? ` (${extra})` : ''}${s.raw.body !== undefined ? ` body ${squeeze(s.raw.body, 400)}` : ''} → ${s.res.status} ${squeeze(s.res.text, 300)}`;
}

/** What makes two violations "the same defect" in survey mode. */
function signatureOf(v: string, sent: Sent): string {
  const errorClass = (line: string | undefined) => {
    if (!line) return '';
    const pick = (k: string) => new RegExp(`"${k}":"([^"]*)"`).exec(line)?.[1] ?? '';
    return `${pick('errorClass')} ${pick('sqlState')} ${pick('msg')}`.trim();
  };
  if (v.startsWith('error logged for this request: ')) return `log: ${errorClass(v.slice('error logged for this request: '.length))}`;
  if (v.startsWith('5xx')) return `${v} ${errorClass(sent.log.find((l) => l.includes('errorClass')))}`;
  const undocumented = /^undocumented status (\d+)/.exec(v);
  if (undocumented) return `undocumented ${undocumented[1]}`;
  return v.replace(/fz\w+-\d+|fuzzcanary\w+|[0-9a-f]{8}-[0-9a-f-]{27}|…[^…]*…/g, '').slice(0, 160);
}

export class FuzzRunner {
  readonly run = Math.random().toString(36).slice(2, 8);
  private counter = 0;
  private readonly records = new Map<number, Record_>();
  private readonly logTail: LogTail;
  private readonly backgroundErrors: string[] = [];
  private readonly pendingErrors = new Map<string, string[]>();
  private readonly reportedCanaries = new Set<string>();
  private readonly lastStepUp = new Map<string, number>();
  private poisoning?: { assertNoPoisoning: (o?: { ignoredRootRegex?: RegExp }) => void; restoreGlobals: (o?: { ignoredRootRegex?: RegExp }) => void };
  readonly totals = { requests: 0, statuses: {} as Record<string, number> };
  authorized: Record<string, string[]> = {};
  private enums: Record<string, string[]> = {};
  private protectedIds = new Set<string>();
  private crawled: Record<string, string[]> = {};

  constructor(
    private readonly w: World,
    private readonly http: HttpClient,
    private readonly sessions: Sessions,
    private readonly fixtures: Fixtures,
    private readonly harvest: Harvest,
    private readonly doc: OpenApiDoc,
    /** Every operation of the document: the crawl for ids always covers all of them, so a replay sees the same pools. */
    private readonly ops: Operation[],
    /** The operations to fuzz. */
    private readonly targets: Operation[],
    private readonly opts: RunOptions,
  ) {
    this.logTail = new LogTail(w.t.logFile);
  }

  // -------------------------------------------------------------------------------------------------
  // Setup

  /** Labels, protected ids, a crawl of every list and detail for ids, and who may call what. */
  async prepare(): Promise<void> {
    const labels = await this.sendAs('coord', 'GET', `${API}/labels`);
    const byCategory = (labels.json as { labels?: Record<string, Record<string, string>> } | undefined)?.labels ?? {};
    this.enums = Object.fromEntries(Object.entries(byCategory).map(([category, values]) => [category, Object.keys(values)]));
    for (const p of Object.keys(USER_PRINCIPALS)) {
      const me = await this.sendAs(p, 'GET', `${API}/auth/me`);
      const body = me.json as { id?: string; organisationId?: string };
      if (body?.id) this.protectedIds.add(body.id);
      if (body?.organisationId) this.protectedIds.add(body.organisationId);
    }
    // The fixtures need the demo organisations and users as they are (covenants, referrer rights, districts):
    // writes aim at the victims and at records the fuzzing created instead.
    this.protectedIds.add(this.sessions.apiKeyId);
    for (const id of [...Object.values(this.w.orgIds), ...Object.values(this.w.userIds)]) this.protectedIds.add(id);
    for (const op of this.ops) if (op.method === 'GET' || this.targets.includes(op)) this.authorized[op.key] = await this.discover(op);
    await this.crawl();
    this.logTail.read();
  }

  /** GETs every documented collection (as each principal it admits) and a few fixture details, for ids. */
  private async crawl(): Promise<void> {
    const kinds = this.fixtures.kinds();
    for (const op of this.ops.filter((o) => o.method === 'GET')) {
      const admitted = (this.authorized[op.key] ?? []).filter((p) => p !== 'anonymous');
      const urls: Array<[string, string[]]> = [];
      if (!op.pathParams.length) {
        urls.push([op.path, admitted]);
        if (op.okSchema?.properties?.nextCursor) urls.push([`${op.path}?limit=1`, admitted.slice(0, 2)]);
      } else {
        const first = op.pathParams[0];
        const segs = op.path.split('/');
        const kind = segs[segs.indexOf(`{${first.name}}`) - 1];
        for (const id of (kinds[kind] ?? []).slice(0, 6)) urls.push([op.path.replace(`{${first.name}}`, id), admitted.slice(0, 2)]);
      }
      for (const [url, principals] of urls) {
        if (/\{/.test(url)) continue;
        for (const p of principals) this.harvest.fromResponse(url, await this.sendAs(p, 'GET', url));
      }
    }
    this.crawled = Object.fromEntries([...this.harvest.pools.entries()].map(([k, v]) => [k, [...v]]));
  }

  /** Route-level admission: a principal is admitted unless a harmless probe answers 401 or 403. */
  private async discover(op: Operation): Promise<string[]> {
    if (!op.secured) return [...ALL_PRINCIPALS, 'anonymous'];
    const admitted: string[] = [];
    for (const p of ALL_PRINCIPALS) {
      let status = 0;
      for (let attempt = 0; attempt < 2; attempt++) {
        const url = op.path.replace(/\{[^}]+\}/g, '3b241101-e2bb-4255-8caf-4136c566a962');
        const res = await this.sendAs(p, op.method, url, op.body ? '{}' : undefined, { 'if-match': '"1"', 'idempotency-key': `probe-${this.run}-${++this.counter}` });
        status = res.status;
        const code = (res.json as { code?: string })?.code;
        if (status === 401 && code === 'UNAUTHENTICATED' && p !== 'apikey') {
          this.sessions.invalidate(p);
          continue;
        }
        if (status === 401 && code === 'STEP_UP_REQUIRED') status = 200;
        break;
      }
      if (status !== 401 && status !== 403) admitted.push(p);
    }
    return admitted;
  }

  private async sendAs(principal: string, method: string, url: string, body?: string, extra: Record<string, string> = {}): Promise<RawResponse> {
    const headers: Record<string, string> = { 'x-request-id': `fzsetup-${this.run}-${++this.counter}`, ...extra };
    if (principal !== 'anonymous') headers.authorization = `Bearer ${await this.sessions.token(principal)}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.http.send({ method, url, headers, body });
    if (res.status === 401 && (res.json as { code?: string })?.code === 'UNAUTHENTICATED' && principal !== 'apikey' && principal !== 'anonymous') {
      this.sessions.invalidate(principal);
    }
    return res;
  }

  /** Loads @fast-check/poisoning now, so its baseline is the warmed-up app, not the bare test realm. */
  async armPoisoningCheck(): Promise<void> {
    this.poisoning = await import('@fast-check/poisoning');
  }

  // -------------------------------------------------------------------------------------------------
  // Generation context

  /** Valid bodies from the factories (and the fixtures' current ids and times). */
  private exampleBodies(): unknown[] {
    const fx = this.fixtures.ids;
    const users = this.w.userIds;
    const now = Date.now();
    const bodies: unknown[] = [
      referralBody(),
      referralBody({ sourceType: 'POLICE', legalBasisCode: 'WPG_ART_19' }),
      conversationBody(),
      { plannedStart: localTime(2, 10).toISOString(), plannedEnd: localTime(2, 11).toISOString(), visitorIds: [users['police.utrecht'], users['youth.utrecht']], safetyNotes: 'Hond aanwezig' },
      { plannedStart: localTime(3, 15).toISOString(), plannedEnd: localTime(3, 16).toISOString(), visitorIds: [users['police.utrecht']], override: { reason: 'SECOND_VISITOR_UNAVAILABLE', comment: 'Collega ziek' } },
      { safetyNotes: 'Hond aanwezig', cancel: { reason: 'VISITOR_UNAVAILABLE' } },
      { occurredAt: fx.attemptable?.plannedStart, result: 'NOT_HOME', cardLeft: true, spokeWith: 'NONE' },
      { ...conversationBody(), heldAt: fx.conversationHeld?.plannedStart },
      { type: 'DEBT_SERVICE', providerOrganisationId: this.w.orgIds.debt, status: 'PROPOSED', notes: 'Schuldhulp' },
      { status: 'ACCEPTED_BY_SUBJECT', dataSharedFields: ['NAME', 'PHONE'], notes: 'Akkoord' },
      { dueAt: new Date(now + 14 * 86_400_000).toISOString() },
      { occurredAt: new Date(now - 3_600_000).toISOString(), channel: 'PHONE', result: 'REACHED', reApproachedByRecruiter: 'NO', awarenessNow: 4, notes: 'Gaat goed' },
      { reason: 'Acute veiligheidszorg, collega onbereikbaar' },
      { outcome: 'JUSTIFIED', note: 'Bevestigd met teamleider' },
      { username: this.fixtures.victimUsernames[0] ?? 'fuzz.victim', password: TEST_PASSWORD },
      { policeClearance: { confirmedAt: new Date(now - 3_600_000).toISOString(), policeOrganisationId: this.w.orgIds.police, reference: 'PCL-1' }, priority: 'HIGH' },
      { addressVerifiedAt: new Date(now - 60_000).toISOString(), phone: '0612345678', preferredLanguage: 'nl' },
      { to: 'TRIAGE', comment: 'Fuzz' },
      { to: 'CLOSED', reasonCode: 'WITHDRAWN' },
      { to: 'ON_HOLD', holdReason: 'INVESTIGATIVE_INTEREST', holdUntil: new Date(now + 30 * 86_400_000).toISOString() },
      { intoSubjectId: fx.duplicate?.subjectId },
      { decision: 'ACCEPTED' },
      { name: 'Fuzz care provider', type: 'CARE_PROVIDER', servedAreaIds: [this.w.geography.districtIds.UTRECHT_STAD] },
      { displayName: 'Fuzz Person', organisationId: this.w.orgIds['yw-utrecht'], roles: ['youth_worker'], districtIds: [this.w.geography.districtIds.UTRECHT_STAD], password: 'a long enough fuzz passphrase 42' },
      { displayName: 'Fuzz Person', roles: ['youth_worker'], districtIds: [this.w.geography.districtIds.UTRECHT_STAD], active: true },
      { organisationId: this.w.orgIds['bank-a'], name: 'fuzz key' },
    ];
    return bodies;
  }

  /** Leaf values by property name from the given bodies. */
  private leaves(bodies: unknown[]): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    const add = (k: string, v: unknown) => {
      if (v === undefined || v === null) return;
      const list = (out[k] ??= []);
      if (!list.includes(v)) list.push(v);
    };
    const walk = (v: unknown, key: string) => {
      if (Array.isArray(v)) {
        for (const x of v) {
          if (x && typeof x === 'object') walk(x, key);
          else {
            add(key.replace(/s$/, ''), x);
            add(key.replace(/ies$/, 'y'), x);
          }
        }
      } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
      else add(key, v);
    };
    for (const b of bodies) walk(b, '');
    out.cursor = [...this.harvest.cursors];
    return out;
  }

  private context(op: Operation): GenContext {
    const pools: Record<string, string[]> = {};
    const fixturePools = this.fixtures.kinds();
    for (const [k, v] of Object.entries(this.crawled)) pools[k] = [...v];
    for (const [k, ids] of Object.entries(fixturePools)) pools[k] = [...new Set([...ids, ...(pools[k] ?? [])])];
    pools.users = [...new Set([...(pools.users ?? []), ...Object.values(this.w.userIds)])];
    pools.organisations = [...new Set([...(pools.organisations ?? []), ...Object.values(this.w.orgIds)])];
    pools.districts = [...new Set([...(pools.districts ?? []), ...Object.values(this.w.geography.districtIds)])];
    const allIds = [...new Set(Object.values(pools).flat())];
    const authorized = this.authorized[op.key] ?? [];
    const bodies = this.exampleBodies();
    const props = op.body?.properties ?? {};
    // Bodies that fit this operation: every top-level key is one of its properties.
    const fitting = bodies.filter((b) => b && typeof b === 'object' && Object.keys(b).length > 0 && Object.keys(b).every((k) => k in props));
    return {
      enums: this.enums,
      allCodes: [...new Set(Object.values(this.enums).flat())],
      examples: this.leaves(fitting),
      globalExamples: this.leaves(bodies),
      pools,
      fixturePools,
      allIds,
      protectedIds: this.protectedIds,
      authorized,
      unauthorized: ALL_PRINCIPALS.filter((p) => !authorized.includes(p)),
      bodyLimit: this.w.t.config.bodyLimit,
    };
  }

  // -------------------------------------------------------------------------------------------------
  // Sending one generated request

  private async materialize(op: Operation, tpl: RequestTemplate): Promise<{ raw: RawRequest; meta: SentMeta; n: number }> {
    const n = ++this.counter;
    const canary = `fuzzcanary${this.run}r${n}`;
    const sub = (s: string) => s.split(CANARY_K).join(`${canary}k`).split(CANARY_V).join(`${canary}v`);
    let pathId: string | undefined;
    const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const pv = tpl.path[name];
      if (!pv) return 'x';
      if ((pv.how === 'known' || pv.how === 'foreign') && !pathId) pathId = pv.value;
      return pv.how === 'raw' ? pv.value : encodeLoose(pv.value);
    });
    const query = tpl.query.map(([k, v]) => `${encodeLoose(sub(k))}=${encodeLoose(sub(v))}`).join('&');
    const url = query ? `${path}?${query}` : path;
    const requestId = `fz${this.run}-${n}`;
    const headers: Record<string, string> = { 'x-request-id': requestId };
    const p = tpl.principal;
    if (ALL_PRINCIPALS.includes(p)) headers.authorization = `Bearer ${await this.sessions.token(p)}`;
    else if (p === 'garbage:bearer') headers.authorization = `Bearer dss_${'A'.repeat(43)}`;
    else if (p === 'garbage:basic') headers.authorization = 'Basic YWRtaW46YWRtaW4=';
    else if (p === 'garbage:long') headers.authorization = `Bearer ${'x'.repeat(8_000)}`;
    else if (p === 'garbage:dsk') headers.authorization = `Bearer dsk_${'A'.repeat(16)}_${'B'.repeat(43)}`;
    else if (p === 'garbage:empty') headers.authorization = 'Bearer ';
    if (tpl.ifMatch.how === 'current') headers['if-match'] = `"${(pathId && this.harvest.versions.get(pathId)) ?? 1}"`;
    else if (tpl.ifMatch.value !== undefined) headers['if-match'] = tpl.ifMatch.value;
    if (tpl.idempotencyKey.value !== undefined) headers['idempotency-key'] = tpl.idempotencyKey.value;
    let body: string | undefined;
    if (tpl.body.shape !== 'none') {
      body = sub(toJsonText(tpl.body.value));
      if (tpl.contentType) headers['content-type'] = tpl.contentType;
    }
    let decodedUrl = url;
    try {
      decodedUrl = decodeURIComponent(url);
    } catch {
      /* keep the raw form */
    }
    const isJson = /^application\/json/i.test(tpl.contentType ?? '');
    const bodyBytes = body === undefined ? 0 : Buffer.byteLength(body);
    const value = tpl.body.value;
    const protoKeys = value instanceof RawJson && /"(__proto__|constructor|prototype)"\s*:/.test(value.text);
    const meta: SentMeta = {
      requestId,
      canaryKey: `${canary}k`,
      canaryValue: `${canary}v`,
      unknownBodyField: tpl.body.shape === 'extras' || tpl.body.shape === 'overLimit' || protoKeys,
      nul: url.includes('%00') || (body !== undefined && body.includes('\\u0000')),
      overLimit: isJson && bodyBytes > this.w.t.config.bodyLimit,
      urlHostile: Object.values(tpl.path).some((v) => v.how === 'hostile' || v.how === 'raw') || url.includes('%00'),
      injected: injectedIn(body, decodedUrl),
    };
    return { raw: { method: op.method, url, headers, body }, meta, n };
  }

  async send(op: Operation, tpl: RequestTemplate): Promise<Sent> {
    const { raw, meta, n } = await this.materialize(op, tpl);
    let res: RawResponse;
    try {
      res = await this.http.send(raw);
    } catch (e) {
      res = { status: 0, headers: {}, text: String((e as Error).message), json: undefined, ms: 0 };
    }
    this.totals.requests++;
    this.totals.statuses[res.status] = (this.totals.statuses[res.status] ?? 0) + 1;
    const { authorization: _a, ...loggable } = raw.headers;
    this.records.set(n, { op: op.key, principal: tpl.principal, method: raw.method, url: raw.url.slice(0, 600), headers: loggable, body: raw.body?.slice(0, 2_000), status: res.status });
    const violations = res.status === 0 ? [`no HTTP response: ${res.text}`] : checkResponse(op, raw, meta, res);
    const log = this.collectLog(meta.requestId);
    for (const line of log) violations.push(`error logged for this request: ${line.slice(0, 600)}`);
    await this.afterResponse(op, tpl, raw, res);
    return { n, raw, principal: tpl.principal, meta, res, violations, log };
  }

  /** Error-level log lines of this request; other error lines are kept for the batch check. */
  private collectLog(requestId: string): string[] {
    for (const line of this.logTail.read()) {
      if (Number(line.level) < 50) continue;
      const id = idOfLine(line);
      if (id) (this.pendingErrors.get(id) ?? this.pendingErrors.set(id, []).get(id)!).push(line.raw);
      else this.backgroundErrors.push(line.raw);
    }
    const mine = this.pendingErrors.get(requestId) ?? [];
    this.pendingErrors.delete(requestId);
    return mine;
  }

  /** Keeps sessions working and versions current, so generated requests keep reaching the services. */
  private async afterResponse(op: Operation, tpl: RequestTemplate, raw: RawRequest, res: RawResponse): Promise<void> {
    this.harvest.fromResponse(raw.url, res);
    const p = tpl.principal;
    const code = (res.json as { code?: string } | undefined)?.code;
    if (ALL_PRINCIPALS.includes(p) && p !== 'apikey' && res.status === 401) {
      if (code === 'UNAUTHENTICATED') this.sessions.invalidate(p);
      if (code === 'STEP_UP_REQUIRED' && this.sessions.hasTotp(p) && this.totals.requests - (this.lastStepUp.get(p) ?? -1_000) > 20) {
        this.lastStepUp.set(p, this.totals.requests);
        await this.sessions.stepUp(p);
      }
    }
    if (res.status === 412 && tpl.ifMatch.how === 'current') {
      const id = Object.values(tpl.path).find((v) => v.how === 'known')?.value;
      if (!id) return;
      const sameGet = this.ops.find((o) => o.method === 'GET' && o.path === op.path);
      const caseId = this.harvest.owningCase.get(id);
      const url = sameGet ? raw.url.split('?')[0] : caseId ? `${API}/cases/${caseId}` : undefined;
      if (url && ALL_PRINCIPALS.includes(p)) {
        const fresh = await this.sendAs(sameGet ? p : 'coord', 'GET', url);
        this.harvest.fromResponse(url, fresh);
        this.collectLog('');
      }
    }
  }

  // -------------------------------------------------------------------------------------------------
  // One operation's batch

  async runOperation(op: Operation): Promise<OperationResult> {
    const started = Date.now();
    const harness: string[] = [];
    try {
      await this.fixtures.topUp();
    } catch (e) {
      // Fuzzing of an earlier operation broke what a fixture needs: report it and fuzz on with the old ids.
      harness.push(`[harness] ${(e as Error).message}`);
    }
    const ctx = this.context(op);
    const seed = this.opts.replay ? this.opts.replay.seed : (this.opts.baseSeed + fnv1a(op.key)) | 0;
    const statuses: Record<string, number> = {};
    let failing: Sent | undefined;
    let afterFailure = 0;
    const survey = new Map<string, Sent & { count: number }>();
    const rejections = new Map<string, number>();
    const property = fc.asyncProperty(requestArb(op, ctx), async (tpl) => {
      if (failing && ++afterFailure > this.opts.shrinkBudget) return true;
      const sent = await this.send(op, tpl);
      statuses[sent.res.status] = (statuses[sent.res.status] ?? 0) + 1;
      if (process.env.FUZZ_DEBUG_REJECTIONS && tpl.body.shape === 'plausible' && sent.res.status >= 400) {
        const b = sent.res.json as { code?: string; errors?: Array<{ field: string; code: string }> } | undefined;
        const key = b?.errors?.length ? b.errors.map((e) => `${e.field}:${e.code}`).join(',') : `${sent.res.status} ${b?.code ?? ''}`;
        rejections.set(key, (rejections.get(key) ?? 0) + 1);
      }
      if (!sent.violations.length) return true;
      if (this.opts.survey) {
        for (const v of sent.violations) {
          const sig = signatureOf(v, sent);
          const seen = survey.get(sig);
          if (seen) seen.count++;
          else survey.set(sig, { ...sent, violations: [v], count: 1 });
        }
        return true;
      }
      failing = sent;
      throw new Error(sent.violations.join('\n'));
    });
    const details = await fc.check(property, {
      numRuns: this.opts.replay ? Math.max(1, this.opts.replay.numRuns) : this.opts.runs,
      seed,
      ...(this.opts.replay?.path ? { path: this.opts.replay.path } : {}),
      ...(this.opts.opTimeLimitMs > 0 && !this.opts.replay ? { interruptAfterTimeLimit: this.opts.opTimeLimitMs, markInterruptAsFailure: false } : {}),
      endOnFailure: false,
    });

    if (rejections.size) {
      const top = [...rejections.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
      process.stdout.write(`[fuzz] ${op.key}: why plausible bodies were refused: ${top.map(([k, n]) => `${n}× ${k}`).join(' | ')}\n`);
    }
    const batch = await this.batchChecks(op);
    const violations: string[] = [];
    if (details.failed && failing) violations.push(...failing.violations.map((v) => `[request] ${v}`), `[repro] ${repro(failing)}`);
    else if (details.failed) violations.push(`[property] ${String((details.errorInstance as Error)?.message ?? details.errorInstance)}`);
    for (const s of survey.values()) violations.push(`[survey ×${s.count}] ${s.violations[0]}\n        repro: ${repro(s)}`);
    violations.push(...batch.map((b) => `[batch] ${b}`), ...harness);
    const result: OperationResult = { op: op.key, runs: details.numRuns, interrupted: details.interrupted && !details.failed, ms: Date.now() - started, statuses, violations };
    if (violations.length) {
      result.file = this.saveFailure(op, seed, details, failing, [...survey.values()], batch);
    }
    return result;
  }

  /** Readiness, prototype poisoning, unattributed error lines, and canaries or NUL anywhere in the database. */
  private async batchChecks(op: Operation): Promise<string[]> {
    const out: string[] = [];
    const ready = await this.http.send({ method: 'GET', url: '/health/ready', headers: { 'x-request-id': `fzready-${this.run}-${++this.counter}` } });
    if (ready.status !== 200) out.push(`GET /health/ready answered ${ready.status} after the batch: ${ready.text.slice(0, 200)}`);
    if (this.poisoning) {
      try {
        this.poisoning.assertNoPoisoning();
      } catch (e) {
        out.push(`prototype poisoning detected after the batch: ${String((e as Error).message).slice(0, 1_500)}`);
        this.poisoning.restoreGlobals();
      }
    }
    this.collectLog('');
    for (const [id, lines] of this.pendingErrors) {
      if (id.startsWith('fzsetup') || id.startsWith('fzlogin') || id.startsWith('fzstepup') || id.startsWith('fzready')) {
        out.push(`error logged for a harness request ${id}: ${lines[0].slice(0, 600)}`);
      }
    }
    this.pendingErrors.clear();
    for (const line of this.backgroundErrors.splice(0)) out.push(`error logged outside any request during the batch: ${line.slice(0, 600)}`);
    for (const hit of await this.scanDatabase()) {
      if (this.reportedCanaries.has(hit.key)) continue;
      this.reportedCanaries.add(hit.key);
      out.push(hit.message);
    }
    void op;
    return out;
  }

  /** Every row of every table in schema public, as text: canaries of unknown fields, or a NUL escape. */
  async scanDatabase(): Promise<Array<{ key: string; message: string }>> {
    const pool = this.w.t.app.get(Db).pool;
    const tables = await pool.query<{ t: string }>(`SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
    const hits: Array<{ key: string; message: string }> = [];
    for (const { t } of tables.rows) {
      const r = await pool.query<{ j: string }>(
        `SELECT row_to_json(x)::text AS j FROM public.${t} x WHERE strpos(row_to_json(x)::text, $1) > 0 OR strpos(row_to_json(x)::text, $2) > 0 LIMIT 20`,
        ['fuzzcanary', '\\u0000'],
      );
      for (const { j } of r.rows) {
        const m = /fuzzcanary([0-9a-z]+?)r(\d+)([kv]?)/.exec(j);
        const n = m ? Number(m[2]) : NaN;
        const rec = this.records.get(n);
        const what = m ? `canary ${m[0]} (an unknown ${m[3] === 'k' ? 'field name' : 'field value'})` : 'a NUL escape (\\u0000)';
        const key = `${t}:${m ? m[0] : j.slice(0, 200)}`;
        hits.push({
          key,
          message: `${what} persisted in table ${t}: ${j.slice(0, 700)}${rec ? `\n    sent by request #${n}: ${JSON.stringify(rec).slice(0, 2_500)}` : ''}`,
        });
      }
    }
    return hits;
  }

  private saveFailure(op: Operation, seed: number, details: fc.RunDetails<[RequestTemplate]>, failing: Sent | undefined, survey: Array<Sent & { count: number }>, batch: string[]): string {
    mkdirSync(this.opts.failuresDir, { recursive: true });
    const file = join(this.opts.failuresDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${op.slug}.json`);
    const summarise = (s: Sent) => ({
      request: { method: s.raw.method, url: s.raw.url, principal: s.principal, headers: { ...s.raw.headers, ...(s.raw.headers.authorization ? { authorization: `Bearer <${s.principal} token>` } : {}) }, body: s.raw.body && s.raw.body.length > 20_000 ? `${s.raw.body.slice(0, 2_000)}…[${s.raw.body.length} chars]` : s.raw.body },
      response: { status: s.res.status, headers: { 'content-type': s.res.headers['content-type'], 'x-request-id': s.res.headers['x-request-id'] }, body: s.res.text.slice(0, 5_000) },
      violations: s.violations,
      log: s.log,
    });
    const content: FailureFile = {
      operation: op.key,
      seed,
      baseSeed: this.opts.baseSeed,
      path: details.counterexamplePath,
      numRuns: this.opts.runs,
      violations: failing?.violations ?? [],
      counterexample: details.counterexample ? JSON.parse(JSON.stringify(details.counterexample[0], (_k, v: unknown) => (v instanceof RawJson ? { rawJson: v.text.length > 5_000 ? `${v.text.slice(0, 2_000)}…[${v.text.length} chars]` : v.text } : typeof v === 'string' && v.length > 5_000 ? `${v.slice(0, 2_000)}…[${v.length} chars]` : v))) : null,
      ...(failing ? summarise(failing) : {}),
      survey: survey.map((s) => ({ count: s.count, ...summarise(s) })),
      batch,
      replay: `FUZZ_REPLAY=${file} node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects db --testPathPatterns test/fuzz`,
    };
    writeFileSync(file, JSON.stringify(content, null, 2));
    return file;
  }
}
