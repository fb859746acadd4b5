import type { Registry } from '../registry/dimension-registry.js';
import type { ExportColumn } from './export-request.js';

export interface CodebookColumn {
  name: string;
  role: 'pseudonym' | ExportColumn['role'];
  description: string;
  hierarchy?: { dimension: string; levels: string[]; level: number; levelName: string };
  codes?: Array<{ code: string; label: string }>;
  derivation: string;
  na?: string;
  censoring?: string;
  structuralZeros?: Array<{ id: string; description: string }>;
}

export interface Codebook {
  codebookVersion: 1;
  exportId: string;
  releaseId: string;
  cutoff: string;
  registryVersion: string;
  registrySha256: string;
  columns: CodebookColumn[];
}

const DERIVATION: Record<string, string> = {
  age: 'Age in whole years at the index date (first attempt of the first visit with an attempt); date of birth never leaves.',
  sex: 'Sex as registered for the subject.',
  geo: "Municipality of the index visit's address snapshot, generalised along municipality, district, region.",
  period: 'Month of the index date, generalised along month, quarter, half-year, year.',
  referral_source: 'Source type of the first referral of the index case.',
  attempts: 'Visit attempts within the 120-day process window.',
  first_attempt_delay: 'Days from the first referral to the index date, banded.',
  outcome: 'Furthest contact result of the index case within index date + 120 days.',
  rereferral: 'First new referral received after the index date (an incident month before the index month does not count), banded by calendar months.',
  care_started: 'Care referral started, for persons with a conversation held.',
  followup_reached: 'Follow-up contact reached, for persons with a follow-up due.',
  parent_present: 'Parent present at the conversation, for reached minors.',
};

const NA: Record<string, string> = {
  care_started: 'No conversation held, so no care referral could start.',
  followup_reached: 'No follow-up was due.',
  parent_present: 'Not a reached minor.',
};

/** The codebook of research-data.md §5.7, from the registry and the chosen levels only (no person data). */
export function buildCodebook(registry: Registry, input: { exportId: string; releaseId: string; cutoff: string; columns: readonly ExportColumn[]; levels: Readonly<Record<string, number>> }): Codebook {
  const columns: CodebookColumn[] = [
    {
      name: 'pid',
      role: 'pseudonym',
      description: 'Project pseudonym: 26 base32 characters, stable within the project, unrelated across projects.',
      derivation: 'HMAC-SHA-256 under a per-project key derived with HKDF-SHA-256, truncated to 128 bits.',
    },
  ];
  for (const c of input.columns) {
    const dim = registry.dimension(c.name);
    const def = registry.definition.dimensions.find((d) => d.name === c.name)!;
    const level = input.levels[c.name]!;
    const zeros = registry.structuralZeros.filter((z) => z.column === c.name || c.name in z.when).map((z) => ({ id: z.id, description: z.description }));
    columns.push({
      name: c.name,
      role: c.role,
      description: def.description,
      hierarchy: { dimension: c.name, levels: def.levels.map((l) => l.name), level, levelName: def.levels[level]!.name },
      codes: dim.codes(level).map((code) => ({ code, label: dim.label(level, code) })),
      derivation: DERIVATION[c.name] ?? def.description,
      ...(NA[c.name] ? { na: NA[c.name] } : {}),
      ...(c.name === 'rereferral'
        ? { censoring: 'CENSORED when index date + 12 calendar months lies after the release cutoff (field cutoff); censored persons belong in no rate denominator.' }
        : {}),
      ...(zeros.length > 0 ? { structuralZeros: zeros } : {}),
    });
  }
  return {
    codebookVersion: 1,
    exportId: input.exportId,
    releaseId: input.releaseId,
    cutoff: input.cutoff,
    registryVersion: registry.version,
    registrySha256: registry.sha256,
    columns,
  };
}
