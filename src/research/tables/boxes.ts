import canonicalize from 'canonicalize';

/**
 * A count's predicate over release rows: for each constrained attribute (registry dimension), the level-0 codes it
 * admits; an absent attribute admits everything. Every table value, served or new, is a box, which is what lets
 * cells of different tables, levels and releases enter one audit.
 */
export type Box = Readonly<Record<string, readonly string[]>>;

/** Stable identity of a box: its canonical JSON with code lists sorted. */
export function boxId(box: Box): string {
  const sorted: Record<string, string[]> = {};
  for (const attr of Object.keys(box).sort()) sorted[attr] = [...box[attr]!].sort();
  return canonicalize(sorted)!;
}

export function intersectBoxes(a: Box, b: Box): Box {
  const out: Record<string, readonly string[]> = { ...a };
  for (const [attr, codes] of Object.entries(b)) {
    const mine = out[attr];
    if (mine === undefined) out[attr] = codes;
    else {
      const keep = new Set(codes);
      out[attr] = mine.filter((c) => keep.has(c));
    }
  }
  return out;
}

export function isEmptyBox(box: Box): boolean {
  return Object.values(box).some((codes) => codes.length === 0);
}

/** True when every row admitted by `inner` is admitted by `outer`. */
export function boxWithin(inner: Box, outer: Box): boolean {
  if (isEmptyBox(inner)) return true;
  return Object.entries(outer).every(([attr, codes]) => {
    const mine = inner[attr];
    if (mine === undefined) return false;
    const allowed = new Set(codes);
    return mine.every((c) => allowed.has(c));
  });
}

export function boxesIntersect(a: Box, b: Box): boolean {
  return !isEmptyBox(intersectBoxes(a, b));
}

export function rowInBox(row: Readonly<Record<string, string>>, box: Box): boolean {
  for (const [attr, codes] of Object.entries(box)) if (!codes.includes(row[attr]!)) return false;
  return true;
}
