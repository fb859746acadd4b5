import type { Ed25519Signature } from '../keys/manifest-signing.js';
import type { RiskSummary } from './risk-measures.js';

/** Checks the independent verifier runs before an export may turn `verified`; the manifest lists them. */
export const EXPORT_CHECKS = ['schema', 'codes', 'idscan', 'csv', 'k', 'l', 'risk', 'lineage', 'loss', 'hash', 'signature'] as const;

export interface ExportManifest {
  manifestVersion: 1;
  exportId: string;
  projectId: string;
  dacReference: string;
  requestedBy: string;
  release: { id: string; cutoff: string; sourceSha256: string; registryVersion: string; registrySha256: string };
  software: { version: string; gitCommit: string; configSha256: string };
  population: {
    personsInRelease: number;
    exported: number;
    suppressed: number;
    suppressedByStratum: Record<string, Record<string, number>>;
  };
  columns: Array<{ name: string; role: string; level?: number }>;
  pseudonymisation: { scheme: string; bits: number; keyId: string; linkageScope: string; linkedExports: string[] };
  privacy: {
    k: { target: number; achieved: number; scope: 'project-join' | 'export' };
    l: Record<string, { target: number; achieved: number | null }>;
    suppressionLimit: number;
    suppressionUsed: number;
    averageRiskLimit: number;
  };
  ecSizes: Record<string, number>;
  risk: RiskSummary;
  informationLoss: { loss: number; discernibility: number; nodesEvaluated: number; optimal: boolean; weights: Record<string, number> };
  verification: { passed: boolean; checks: string[] };
  files: { 'data.csv': { sha256: string; rows: number }; 'codebook.json': { sha256: string } };
  createdAt: string;
  signature?: Ed25519Signature;
}
