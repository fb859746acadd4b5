/**
 * The verifier's own reading of the registry definition (plain JSON). Deliberately independent of
 * src/research/registry: a bug there must not be able to hide itself here.
 */
export interface PlainRegistry {
  registryVersion: string;
  dimensions: Array<{
    name: string;
    role: string;
    kind: string;
    levels: Array<{ name: string; codes: Array<{ code: string; label: string; children?: string[] }> }>;
  }>;
  structuralZeros: Array<{ id: string; when: Record<string, { level: number; codes: string[] }>; column: string; codes: string[] }>;
}

export class RegistryView {
  private readonly levels = new Map<string, string[][]>();
  private readonly parent = new Map<string, Array<Map<string, string>>>();
  private readonly labels = new Map<string, Array<Map<string, string>>>();

  constructor(readonly plain: PlainRegistry) {
    for (const d of plain.dimensions) {
      this.levels.set(d.name, d.levels.map((l) => l.codes.map((c) => c.code)));
      this.labels.set(d.name, d.levels.map((l) => new Map(l.codes.map((c) => [c.code, c.label]))));
      const ups = d.levels.map(() => new Map<string, string>());
      d.levels.forEach((l, i) => {
        if (i > 0) for (const c of l.codes) for (const child of c.children ?? []) ups[i - 1]!.set(child, c.code);
      });
      this.parent.set(d.name, ups);
    }
  }

  has(dim: string): boolean {
    return this.levels.has(dim);
  }

  levelCount(dim: string): number {
    return this.levels.get(dim)?.length ?? 0;
  }

  codes(dim: string, level: number): string[] {
    const list = this.levels.get(dim)?.[level];
    if (!list) throw new Error(`registry has no ${dim} level ${level}`);
    return list;
  }

  label(dim: string, level: number, code: string): string | undefined {
    return this.labels.get(dim)?.[level]?.get(code);
  }

  /** Moves a code up the hierarchy one parent at a time. */
  up(dim: string, code: string, from: number, to: number): string {
    let c = code;
    for (let l = from; l < to; l += 1) {
      const p = this.parent.get(dim)![l]!.get(c);
      if (p === undefined) throw new Error(`no parent for ${dim} ${c} at level ${l}`);
      c = p;
    }
    return c;
  }

  leaves(dim: string, level: number, code: string): string[] {
    return this.codes(dim, 0).filter((leaf) => this.up(dim, leaf, 0, level) === code);
  }
}
