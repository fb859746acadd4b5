import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { buildExportBundle, type ExportBundle } from '../exports/export-bundle.js';
import { DEFAULT_EXPORT_LIMITS, EXPORTABLE_COLUMNS, type ExportPolicy, type ExportRequest } from '../exports/export-request.js';
import type { EarlierExport } from '../exports/lineage.js';
import { deriveProjectKey, pseudonymiser } from '../keys/pseudonyms.js';
import type { ReleasePerson } from '../releases/release-person.js';
import type { Registry } from '../registry/dimension-registry.js';
import { SeededRandom } from '../../common/seeded-random.js';

export const testSigningKeys: { privateKey: KeyObject; publicKey: KeyObject } = generateKeyPairSync('ed25519');

export function testPolicy(overrides: Partial<ExportPolicy> = {}): ExportPolicy {
  return { allowedColumns: EXPORTABLE_COLUMNS, finestLevels: {}, ...DEFAULT_EXPORT_LIMITS, ...overrides };
}

export interface TestExportOptions {
  registry: Registry;
  persons: readonly ReleasePerson[];
  request: ExportRequest;
  policy?: ExportPolicy;
  projectId?: string;
  exportId?: string;
  earlierExports?: EarlierExport[];
  /** Seed for the project salt; equal seeds mean the same project key. */
  saltSeed?: number;
  privateKey?: KeyObject | undefined;
}

/** An export with fixed metadata and a test key provider (seeded master key and salt). */
export function testExport(opts: TestExportOptions): ExportBundle {
  const rng = new SeededRandom(opts.saltSeed ?? 1);
  const master = new SeededRandom(424242).bytes(32);
  const projectId = opts.projectId ?? 'project-1';
  return buildExportBundle({
    registry: opts.registry,
    release: { id: '2025-Q2', cutoff: '2025-06-30', sourceSha256: 'a'.repeat(64) },
    persons: opts.persons,
    request: opts.request,
    policy: opts.policy ?? testPolicy(),
    pseudonymise: pseudonymiser(deriveProjectKey(master, rng.bytes(32), projectId)),
    earlierExports: opts.earlierExports ?? [],
    meta: {
      exportId: opts.exportId ?? 'export-1',
      projectId,
      dacReference: 'DAC-2025-014',
      requestedBy: 'researcher-1',
      createdAt: '2025-07-01T09:00:00Z',
      software: { version: '0.1.0', gitCommit: 'f'.repeat(40), configSha256: 'c'.repeat(64) },
      pseudonymKeyId: 'pid-key-1',
    },
    signing: { privateKey: 'privateKey' in opts ? opts.privateKey : testSigningKeys.privateKey, keyId: 'sign-1' },
  });
}

/** Minimal RFC 4180 reader for tests: every field is quoted by the writer. */
export function parseExportCsv(bytes: Buffer): { header: string[]; rows: string[][] } {
  const lines = bytes.toString('utf8').split('\r\n').filter((l) => l.length > 0);
  const split = (line: string) => line.slice(1, -1).split('","').map((f) => f.replace(/""/g, '"'));
  return { header: split(lines[0]!), rows: lines.slice(1).map(split) };
}
