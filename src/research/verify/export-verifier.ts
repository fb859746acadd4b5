import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { formulaLead, readStrictCsv } from './csv-reader.js';
import { scanJson, scanText } from './identifier-scan.js';
import { RegistryView, type PlainRegistry } from './registry-view.js';
import { failClosed, type Findings, type VerificationResult } from './verification-result.js';

export interface LinkedExportBytes {
  exportId: string;
  csv: Uint8Array;
}

export interface ExportVerificationInput {
  csv: Uint8Array;
  codebook: Uint8Array;
  manifest: Uint8Array;
  publicKey: KeyObject | string | undefined;
  /** The registry definition the release was built with, as plain JSON. */
  registry: PlainRegistry;
  allowedColumns: readonly string[];
  /** Targets the request asked for; the manifest must state them and the data must meet them. */
  expected: { k: number; l: number; suppressionLimit: number; maxAverageRisk: number; personsInRelease: number; linkageScope: 'project' | 'export' };
  /** Earlier exports of the project as delivered (pids link them); the join is rebuilt from these bytes. */
  linkedExports: readonly LinkedExportBytes[];
  /** Names and streets of the source records, which must appear nowhere. */
  fixtureTerms: readonly string[];
}

const QI = ['age', 'sex', 'geo', 'period', 'referral_source', 'attempts', 'first_attempt_delay'];
const SA = ['outcome', 'rereferral'];
const ANALYSIS = ['care_started', 'followup_reached', 'parent_present'];
const PID = /^[a-z2-7]{26}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** The export half of the independent verifier (research-data.md §5.8). */
export function verifyExport(input: ExportVerificationInput): Promise<VerificationResult> {
  return failClosed((f) => runExportChecks(input, f));
}

function runExportChecks(input: ExportVerificationInput, f: Findings): void {
  const reg = new RegistryView(input.registry);
  let manifest: Json;
  try {
    manifest = obj(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(input.manifest)));
  } catch {
    f.fail('schema', 'manifest is not JSON');
    return;
  }
  const codebookRaw = (() => {
    try {
      return obj(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(input.codebook)));
    } catch {
      f.fail('schema', 'codebook is not JSON');
      return {};
    }
  })();

  // hash + signature first: everything below trusts the manifest only after it proves untouched.
  const files = obj(manifest.files);
  f.expect('hash', obj(files['data.csv']).sha256 === sha256(input.csv), 'data.csv does not match its manifest hash');
  f.expect('hash', obj(files['codebook.json']).sha256 === sha256(input.codebook), 'codebook.json does not match its manifest hash');
  checkSignature(manifest, input.publicKey, f);

  const csv = readStrictCsv(input.csv);
  f.begin('csv');
  for (const p of csv.problems) f.fail('csv', p);
  const header = csv.header;
  const rows = csv.rows;
  f.expect('hash', obj(files['data.csv']).rows === rows.length, 'row count differs from the manifest');
  for (const [r, row] of rows.entries()) for (const field of row) if (formulaLead(field)) f.fail('csv', `row ${r + 1} has a field a spreadsheet would evaluate`);
  for (let r = 1; r < rows.length; r += 1) if (!(rows[r - 1]![0]! < rows[r]![0]!)) f.fail('csv', 'rows are not sorted by pid, or a pid repeats');

  // schema: columns, roles, levels
  const columns = Array.isArray(manifest.columns) ? manifest.columns.map(obj) : [];
  const names = columns.map((c) => String(c.name));
  f.expect('schema', header.join(',') === names.join(','), 'CSV header differs from the manifest columns');
  f.expect('schema', names[0] === 'pid' && columns[0]?.role === 'pseudonym', 'first column must be the pseudonym');
  const data = columns.slice(1);
  for (const c of data) {
    const name = String(c.name);
    const role = QI.includes(name) ? 'QI' : SA.includes(name) ? 'SA' : ANALYSIS.includes(name) ? 'analysis' : undefined;
    f.expect('schema', role !== undefined && c.role === role, `column ${name} has no exportable role`);
    f.expect('schema', input.allowedColumns.includes(name), `column ${name} is outside the allowlist`);
    f.expect('schema', reg.has(name) && Number.isInteger(c.level) && (c.level as number) >= 0 && (c.level as number) < reg.levelCount(name), `column ${name} has no valid level`);
  }
  if (f.failures.some((x) => x.check === 'schema')) return;
  const level = (name: string) => Number(data.find((c) => c.name === name)!.level);

  // codes
  f.begin('codes');
  const codeSets = data.map((c) => new Set(reg.codes(String(c.name), Number(c.level))));
  for (const [r, row] of rows.entries()) {
    if (!PID.test(row[0] ?? '')) f.fail('codes', `row ${r + 1} has a malformed pid`);
    data.forEach((c, i) => {
      if (!codeSets[i]!.has(row[i + 1] ?? '')) f.fail('codes', `row ${r + 1}: ${String(c.name)} value outside its code list`);
    });
  }
  checkCodebook(codebookRaw, data, reg, f);

  // identifier scan: CSV cells, codebook, manifest
  f.begin('idscan');
  const hits = [
    ...rows.flatMap((row, r) => row.slice(1).flatMap((cell) => scanText(cell, `csv row ${r + 1}`, input.fixtureTerms))),
    ...header.flatMap((h) => scanText(h, 'csv header', input.fixtureTerms)),
    ...scanJson(codebookRaw, 'codebook', input.fixtureTerms, new Set(['$.cutoff', '$.registrySha256'])),
    ...scanJson(
      manifest,
      'manifest',
      input.fixtureTerms,
      new Set(['$.createdAt', '$.release.cutoff', '$.release.sourceSha256', '$.release.registrySha256', '$.software.configSha256', '$.software.gitCommit', '$.files', '$.signature']),
    ),
  ];
  for (const h of hits) f.fail('idscan', `${h.kind} found in ${h.where}`);
  f.expect('idscan', ISO_DATE.test(String(obj(manifest.release).cutoff)) && ISO_TIME.test(String(manifest.createdAt)), 'manifest date fields are malformed');
  for (const v of [obj(manifest.release).sourceSha256, obj(manifest.release).registrySha256, obj(manifest.software).configSha256]) {
    f.expect('idscan', HEX64.test(String(v)), 'a manifest hash field is not 64 hex digits');
  }

  checkPrivacy(input, manifest, rows, data, reg, level, f);
}

function checkSignature(manifest: Json, publicKey: KeyObject | string | undefined, f: Findings): void {
  f.begin('signature');
  const sig = obj(manifest.signature);
  if (!publicKey) return f.fail('signature', 'no public key to verify against');
  if (sig.alg !== 'Ed25519' || typeof sig.value !== 'string') return f.fail('signature', 'manifest is not signed with Ed25519');
  const { signature: _s, ...unsigned } = manifest;
  const message = Buffer.from(canonicalize(unsigned) ?? '', 'utf8');
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const bytes = Buffer.from(sig.value, 'base64');
  f.expect('signature', bytes.length === 64 && verify(null, message, key, bytes), 'manifest signature does not verify');
}

function checkCodebook(codebook: Json, data: Json[], reg: RegistryView, f: Findings): void {
  const cols = Array.isArray(codebook.columns) ? codebook.columns.map(obj) : [];
  f.expect('schema', cols.length === data.length + 1 && cols[0]?.name === 'pid', 'codebook columns differ from the manifest');
  data.forEach((c, i) => {
    const cb = cols[i + 1] ?? {};
    const name = String(c.name);
    const lvl = Number(c.level);
    const codes = Array.isArray(cb.codes) ? cb.codes.map(obj) : [];
    const expected = reg.codes(name, lvl);
    f.expect('schema', cb.name === name && obj(cb.hierarchy).level === lvl, `codebook entry for ${name} differs from the manifest`);
    f.expect('codes', codes.length === expected.length && codes.every((x, k) => x.code === expected[k] && x.label === reg.label(name, lvl, expected[k]!)), `codebook codes for ${name} differ from the registry`);
  });
}

function l1(reg: RegistryView, name: string, code: string, lvl: number): string {
  return lvl >= 1 ? code : reg.up(name, code, lvl, 1);
}

function checkPrivacy(input: ExportVerificationInput, manifest: Json, rows: string[][], data: Json[], reg: RegistryView, level: (n: string) => number, f: Findings): void {
  const privacy = obj(manifest.privacy);
  const population = obj(manifest.population);
  const { expected } = input;
  const names = data.map((c) => String(c.name));
  const qis = names.filter((n) => QI.includes(n));
  const col = (n: string) => names.indexOf(n) + 1;

  // lineage: the join is rebuilt from the delivered files, on pid
  f.begin('lineage');
  const pseudo = obj(manifest.pseudonymisation);
  const linkedIds = Array.isArray(pseudo.linkedExports) ? pseudo.linkedExports.map(String) : [];
  f.expect('lineage', pseudo.linkageScope === expected.linkageScope, 'linkage scope differs from the request');
  f.expect(
    'lineage',
    linkedIds.join(',') === (expected.linkageScope === 'project' ? input.linkedExports.map((e) => e.exportId).join(',') : ''),
    'linked exports differ from the project history',
  );
  const joined = new Map<string, string>();
  if (expected.linkageScope === 'project') {
    for (const linked of input.linkedExports) {
      const parsed = readStrictCsv(linked.csv);
      if (parsed.problems.length > 0) f.fail('lineage', `linked export ${linked.exportId} is unreadable`);
      const byPid = new Map(parsed.rows.map((r) => [r[0]!, r.slice(1).join('\u001f')]));
      for (const row of rows) joined.set(row[0]!, `${joined.get(row[0]!) ?? ''}\u001e${byPid.get(row[0]!) ?? 'ABSENT'}`);
    }
  }
  const classes = new Map<string, number[]>();
  rows.forEach((row, r) => {
    const key = `${qis.map((q) => row[col(q)]).join('\u001f')}\u001d${joined.get(row[0]!) ?? ''}`;
    const list = classes.get(key);
    if (list) list.push(r);
    else classes.set(key, [r]);
  });
  const sizes = [...classes.values()].map((l) => l.length);

  // k
  const minF = sizes.reduce((m, s) => Math.min(m, s), sizes.length === 0 ? 0 : Infinity);
  f.expect('k', obj(privacy.k).target === expected.k, 'manifest k target differs from the request');
  f.expect('k', sizes.every((s) => s >= expected.k), `a class is smaller than k = ${expected.k}`);
  f.expect('k', obj(privacy.k).achieved === minF, 'manifest k achieved differs from the data');

  // l: distinct L1 values per class; censored persons never count
  f.begin('l');
  const diversity: Array<{ name: string; value: (row: string[]) => string | undefined }> = [];
  if (names.includes('outcome')) diversity.push({ name: 'outcome', value: (row) => l1(reg, 'outcome', row[col('outcome')]!, level('outcome')) });
  if (names.includes('rereferral')) {
    diversity.push({
      name: 'rereferral',
      value: (row) => {
        const v = l1(reg, 'rereferral', row[col('rereferral')]!, level('rereferral'));
        return v === 'CENSORED' ? undefined : v;
      },
    });
  }
  for (const d of diversity) {
    let achieved: number | null = null;
    for (const members of classes.values()) {
      const distinct = new Set(members.map((r) => d.value(rows[r]!)).filter((v) => v !== undefined)).size;
      if (distinct === 0) continue;
      if (distinct < expected.l) f.fail('l', `a class has ${distinct} distinct ${d.name} value(s)`);
      achieved = Math.min(achieved ?? Infinity, distinct);
    }
    const stated = obj(obj(privacy.l)[d.name]);
    f.expect('l', stated.target === expected.l && stated.achieved === achieved, `manifest l for ${d.name} differs from the data`);
  }

  // risk
  f.begin('risk');
  const exported = rows.length;
  const risk = obj(manifest.risk);
  const avg = exported === 0 ? 0 : sizes.length / exported;
  const max = exported === 0 ? 0 : 1 / minF;
  const above = exported === 0 ? 0 : sizes.filter((s) => 1 / s > 0.2).reduce((a, b) => a + b, 0) / exported;
  f.expect('risk', avg <= expected.maxAverageRisk + 1e-12, `average risk ${avg} above ${expected.maxAverageRisk}`);
  f.expect('risk', max <= 1 / expected.k + 1e-12, 'maximum risk above 1/k');
  f.expect('risk', risk.model === 'prosecutor' && risk.max === round(max, 4) && risk.average === round(avg, 4) && risk['shareAbove0.2'] === round(above, 4), 'manifest risk differs from the data');
  f.expect('risk', canonicalize(obj(manifest.ecSizes)) === canonicalize(histogram(sizes)), 'manifest class-size histogram differs from the data');

  // suppression accounting
  const n = expected.personsInRelease;
  const suppressed = n - exported;
  f.expect('k', population.personsInRelease === n && population.exported === exported && population.suppressed === suppressed, 'population counts do not add up');
  f.expect('k', suppressed >= 0 && suppressed <= expected.suppressionLimit * n + 1e-9, 'suppression above the limit');
  f.expect('k', privacy.suppressionLimit === expected.suppressionLimit && privacy.suppressionUsed === round(n === 0 ? 0 : suppressed / n, 4), 'manifest suppression figures differ');
  for (const [stratum, counts] of Object.entries(obj(population.suppressedByStratum))) {
    const total = Object.values(obj(counts)).reduce((s: number, v) => s + Number(v), 0);
    f.expect('k', total === suppressed, `suppressed counts by ${stratum} do not add up`);
  }

  // loss and discernibility, recomputed from the delivered values
  f.begin('loss');
  const info = obj(manifest.informationLoss);
  const weights = obj(info.weights);
  f.expect('loss', Object.keys(weights).sort().join(',') === [...qis].sort().join(',') && qis.every((q) => Number(weights[q]) > 0), 'QI weights do not match the QIs');
  const wSum = qis.reduce((s, q) => s + Number(weights[q]), 0);
  let lossSum = 0;
  const leafCount = new Map<string, number>();
  for (const row of rows) {
    for (const q of qis) {
      const key = `${q}|${row[col(q)]}`;
      if (!leafCount.has(key)) leafCount.set(key, reg.leaves(q, level(q), row[col(q)]!).length);
      const total = reg.codes(q, 0).length;
      lossSum += Number(weights[q]) * (total <= 1 ? 0 : (leafCount.get(key)! - 1) / (total - 1));
    }
  }
  const loss = n === 0 || qis.length === 0 ? 0 : (lossSum + suppressed * wSum) / (n * wSum);
  const discernibility = sizes.reduce((s, x) => s + x * x, 0) + suppressed * n;
  f.expect('loss', info.loss === round(loss, 6), `manifest loss ${String(info.loss)} differs from the recomputed ${round(loss, 6)}`);
  f.expect('loss', info.discernibility === discernibility, 'manifest discernibility differs from the data');
}

function histogram(sizes: number[]): Record<string, number> {
  if (sizes.length === 0) return {};
  const minF = sizes.reduce((m, s) => Math.min(m, s), Infinity);
  const out: Record<string, number> = {};
  for (const [lo, hi] of [[1, 9], [10, 19], [20, 49], [50, Infinity]] as const) {
    if (hi < minF) continue;
    const from = Math.max(lo, minF);
    out[hi === Infinity ? `${from}+` : `${from}-${hi}`] = sizes.filter((s) => s >= from && s <= hi).length;
  }
  return out;
}
