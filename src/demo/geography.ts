import type { Tx } from '../database/tx.js';

/** Police unit Midden-Nederland as Doorstep districts of whole municipalities (domain.md §7). */
export const REGION = { code: 'MN', name: 'Regio Midden-Nederland' };

export const DISTRICTS: Array<{ code: string; name: string; municipalities: Array<[string, string]> }> = [
  { code: 'UTRECHT_STAD', name: 'Utrecht Stad', municipalities: [['GM0344', 'Utrecht']] },
  {
    code: 'EEMLAND',
    name: 'Eemland',
    municipalities: [
      ['GM0307', 'Amersfoort'],
      ['GM0342', 'Soest'],
      ['GM0308', 'Baarn'],
      ['GM0327', 'Leusden'],
      ['GM0313', 'Bunschoten'],
    ],
  },
  {
    code: 'GOOI_VECHTSTREEK',
    name: 'Gooi en Vechtstreek',
    municipalities: [
      ['GM0402', 'Hilversum'],
      ['GM1942', 'Gooise Meren'],
      ['GM0406', 'Huizen'],
      ['GM1696', 'Wijdemeren'],
    ],
  },
  {
    code: 'FLEVOLAND',
    name: 'Flevoland',
    municipalities: [
      ['GM0034', 'Almere'],
      ['GM0995', 'Lelystad'],
    ],
  },
  {
    code: 'WEST_UTRECHT',
    name: 'West-Utrecht',
    municipalities: [
      ['GM0632', 'Woerden'],
      ['GM0736', 'De Ronde Venen'],
    ],
  },
];

export interface Geography {
  regionId: string;
  districtIds: Record<string, string>;
  municipalityIds: Record<string, string>;
}

/** Inserts the area hierarchy once; returns the ids by code. Idempotent. */
export async function seedGeography(tx: Tx): Promise<Geography> {
  const upsert = async (level: string, code: string, name: string, parentId: string | null) =>
    (await tx.one<{ id: string }>(
      `INSERT INTO areas (level, code, name, parent_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [level, code, name, parentId],
    ))!.id;
  const regionId = await upsert('REGION', REGION.code, REGION.name, null);
  const districtIds: Record<string, string> = {};
  const municipalityIds: Record<string, string> = {};
  for (const d of DISTRICTS) {
    districtIds[d.code] = await upsert('DISTRICT', d.code, d.name, regionId);
    for (const [code, name] of d.municipalities) municipalityIds[code] = await upsert('MUNICIPALITY', code, name, districtIds[d.code]);
  }
  return { regionId, districtIds, municipalityIds };
}
