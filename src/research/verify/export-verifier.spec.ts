import { describe, expect, it } from '@jest/globals';
import { createHash, generateKeyPairSync } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ExportBundle } from '../exports/export-bundle.js';
import { EXPORTABLE_COLUMNS } from '../exports/export-request.js';
import { writeCsv } from '../exports/csv-writer.js';
import { canonicalBytes, signManifest } from '../keys/manifest-signing.js';
import { FIXTURE_NAMES, FIXTURE_STREETS, syntheticRegister } from '../testing/synthetic-register.js';
import { parseExportCsv, testExport, testSigningKeys } from '../testing/export-fixtures.js';
import { verifyExport, type ExportVerificationInput } from './export-verifier.js';
import type { PlainRegistry } from './registry-view.js';

const reg = syntheticRegister({ seed: 21, persons: 2500, injectUniques: true });
const columns = ['age', 'sex', 'geo', 'period', 'referral_source', 'outcome', 'rereferral'];
const bundle = testExport({ registry: reg.registry, persons: reg.persons, request: { columns, linkageScope: 'project' } });

function inputFor(b: ExportBundle, overrides: Partial<ExportVerificationInput> = {}): ExportVerificationInput {
  return {
    csv: b.files['data.csv'],
    codebook: b.files['codebook.json'],
    manifest: b.manifestBytes,
    publicKey: testSigningKeys.publicKey,
    registry: reg.registry.definition as PlainRegistry,
    allowedColumns: EXPORTABLE_COLUMNS,
    expected: { k: 5, l: 2, suppressionLimit: 0.05, maxAverageRisk: 0.09, personsInRelease: reg.persons.length, linkageScope: 'project' },
    linkedExports: [],
    fixtureTerms: [...FIXTURE_NAMES, ...FIXTURE_STREETS],
    ...overrides,
  };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const failedChecks = async (input: ExportVerificationInput) => {
  const result = await verifyExport(input);
  expect(result.passed).toBe(false);
  return [...new Set(result.failures.map((f) => f.check))];
};

/** A manifest edited and signed again with the real key: the data then has to prove it wrong. */
function resigned(b: ExportBundle, edit: (m: Record<string, unknown>) => void): Buffer {
  const m = JSON.parse(b.manifestBytes.toString('utf8')) as Record<string, unknown>;
  edit(m);
  return canonicalBytes(signManifest(m, testSigningKeys.privateKey, 'sign-1'));
}

/** CSV rewritten, with hashes and signature made consistent again, so only the privacy checks can catch it. */
function withRows(b: ExportBundle, transform: (rows: string[][]) => string[][]): ExportVerificationInput {
  const { header, rows } = parseExportCsv(b.files['data.csv']);
  const csv = writeCsv(header, transform(rows));
  const manifest = resigned(b, (m) => {
    const files = m.files as Record<string, Record<string, unknown>>;
    files['data.csv']!.sha256 = sha256(csv);
    files['data.csv']!.rows = transform(rows).length;
  });
  return inputFor(b, { csv, manifest });
}

describe('independent export verifier', () => {
  it('T18: recomputes every manifest figure from the delivered bytes and passes an honest bundle', async () => {
    const result = await verifyExport(inputFor(bundle));
    expect(result.failures).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.checks).toEqual(expect.arrayContaining(['schema', 'codes', 'idscan', 'csv', 'k', 'l', 'risk', 'lineage', 'loss', 'hash', 'signature']));
  });

  it('T18: detects one flipped byte in the CSV and in the manifest', async () => {
    const csv = Buffer.from(bundle.files['data.csv']);
    csv[csv.length - 5] ^= 0x01;
    expect(await failedChecks(inputFor(bundle, { csv }))).toContain('hash');
    const text = bundle.manifestBytes.toString('utf8').replace('"exported":', '"exported": ');
    const manifest = Buffer.from(text.replace(/"dacReference":"DAC-2025-014"/, '"dacReference":"DAC-2025-015"'));
    expect(await failedChecks(inputFor(bundle, { manifest }))).toContain('signature');
  });

  describe('T19: injected faults are caught (fail-closed)', () => {
    it('an equivalence class of size k - 1', async () => {
      const small = await failedChecks(withRows(bundle, (rows) => {
        const { header } = parseExportCsv(bundle.files['data.csv']);
        const qi = header.map((h, i) => (['age', 'sex', 'geo', 'period', 'referral_source'].includes(h) ? i : -1)).filter((i) => i >= 0);
        const key = (r: string[]) => qi.map((i) => r[i]).join('|');
        const sizes = new Map<string, number>();
        rows.forEach((r) => sizes.set(key(r), (sizes.get(key(r)) ?? 0) + 1));
        const smallest = [...sizes].sort((a, b) => a[1] - b[1])[0]![0];
        let dropped = false;
        return rows.filter((r) => (key(r) === smallest && !dropped ? ((dropped = true), false) : true));
      }));
      expect(small).toContain('k');
    });

    it('a homogeneous class', async () => {
      const checks = await failedChecks(withRows(bundle, (rows) => {
        const { header } = parseExportCsv(bundle.files['data.csv']);
        const o = header.indexOf('outcome');
        return rows.map((r) => r.map((v, i) => (i === o ? 'REFUSED' : v)));
      }));
      expect(checks).toContain('l');
    });

    it('a fixture name in a label of the codebook', async () => {
      const codebook = JSON.parse(bundle.files['codebook.json'].toString('utf8'));
      codebook.columns[1].description = 'Age of Sanne Jansen';
      const bytes = Buffer.from(canonicalize(codebook)!, 'utf8');
      const manifest = resigned(bundle, (m) => ((m.files as Record<string, Record<string, unknown>>)['codebook.json']!.sha256 = sha256(bytes)));
      expect(await failedChecks(inputFor(bundle, { codebook: bytes, manifest }))).toContain('idscan');
    });

    it('a cell starting with =', async () => {
      const checks = await failedChecks(withRows(bundle, (rows) => rows.map((r, i) => (i === 0 ? [r[0]!, '=HYPERLINK("x")', ...r.slice(2)] : r))));
      expect(checks).toEqual(expect.arrayContaining(['csv', 'codes']));
    });

    it('a manifest claiming the wrong k', async () => {
      const manifest = resigned(bundle, (m) => ((m.privacy as Record<string, Record<string, number>>).k!.achieved += 1));
      expect(await failedChecks(inputFor(bundle, { manifest }))).toContain('k');
      const lower = resigned(bundle, (m) => ((m.privacy as Record<string, Record<string, number>>).k!.target = 3));
      expect(await failedChecks(inputFor(bundle, { manifest: lower }))).toContain('k');
    });

    it('bytes changed after signing', async () => {
      const manifest = Buffer.from(bundle.manifestBytes.toString('utf8').replace('"requestedBy":"researcher-1"', '"requestedBy":"researcher-2"'));
      expect(await failedChecks(inputFor(bundle, { manifest }))).toEqual(['signature']);
    });

    it('a missing or wrong signing key', async () => {
      expect(() => testExport({ registry: reg.registry, persons: reg.persons, request: { columns, linkageScope: 'export' }, privateKey: undefined })).toThrow(/no signing key/);
      expect(await failedChecks(inputFor(bundle, { publicKey: undefined }))).toContain('signature');
      expect(await failedChecks(inputFor(bundle, { publicKey: generateKeyPairSync('ed25519').publicKey }))).toContain('signature');
    });

    it('wrong Loss, risk or suppression figures', async () => {
      const loss = resigned(bundle, (m) => ((m.informationLoss as Record<string, number>).loss -= 0.001));
      expect(await failedChecks(inputFor(bundle, { manifest: loss }))).toContain('loss');
      const risk = resigned(bundle, (m) => ((m.risk as Record<string, number>).average = 0.01));
      expect(await failedChecks(inputFor(bundle, { manifest: risk }))).toContain('risk');
      expect(await failedChecks(inputFor(bundle, { expected: { ...inputFor(bundle).expected, personsInRelease: reg.persons.length + 500 } }))).toContain('k');
    });

    it('a verifier crash', async () => {
      const result = await verifyExport(inputFor(bundle, { registry: { registryVersion: 'x', dimensions: null, structuralZeros: [] } as unknown as PlainRegistry }));
      expect(result.passed).toBe(false);
      expect(result.failures.map((f) => f.check)).toContain('verifier');
    });
  });

  it('rebuilds the project join from the delivered files (lineage)', async () => {
    const first = testExport({ registry: reg.registry, persons: reg.persons, exportId: 'e-1', request: { columns: ['age', 'sex', 'geo'], linkageScope: 'project' } });
    const second = testExport({
      registry: reg.registry,
      persons: reg.persons,
      exportId: 'e-2',
      earlierExports: [{ exportId: 'e-1', registry: reg.registry, persons: reg.persons, columns: first.manifest.columns.slice(1).map((c) => ({ name: c.name, level: c.level! })), suppressedPersonKeys: first.suppressedPersonKeys }],
      request: { columns: ['period', 'referral_source', 'rereferral'], linkageScope: 'project' },
    });
    const linked = [{ exportId: 'e-1', csv: first.files['data.csv'] }];
    expect((await verifyExport(inputFor(second, { linkedExports: linked }))).failures).toEqual([]);
    // Without the join the manifest's discernibility and class figures no longer match.
    expect(await failedChecks(inputFor(second, { linkedExports: [] }))).toContain('lineage');
  });
});
