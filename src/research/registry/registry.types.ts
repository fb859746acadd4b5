/** Plain-data form of the dimension registry (research-data.md §2.4): what is hashed, versioned and shipped in codebooks. */

export type DimensionRole = 'QI' | 'SA' | 'analysis' | 'table';
export type DimensionKind = 'coded' | 'geography';

export interface CodeDefinition {
  code: string;
  label: string;
  /** Codes of the level below that this code is the union of; absent on level 0. */
  children?: string[];
}

export interface LevelDefinition {
  name: string;
  codes: CodeDefinition[];
}

export interface DimensionDefinition {
  name: string;
  role: DimensionRole;
  kind: DimensionKind;
  description: string;
  /** Level 0 (finest) first; every later level partitions the one below it. */
  levels: LevelDefinition[];
}

/**
 * Combinations no release row can have, e.g. `parent_present` YES/NO at age 18+. Tables show them as `structural`
 * and the LP audit fixes them at zero.
 */
export interface StructuralZeroDefinition {
  id: string;
  description: string;
  when: Record<string, { level: number; codes: string[] }>;
  column: string;
  codes: string[];
}

export interface RegistryDefinition {
  registryVersion: string;
  dimensions: DimensionDefinition[];
  structuralZeros: StructuralZeroDefinition[];
}

export interface GeographyInput {
  regions: Array<{ code: string; label: string; districts: string[] }>;
  districts: Array<{ code: string; label: string; municipalities: string[] }>;
  municipalities: Array<{ code: string; label: string }>;
}
