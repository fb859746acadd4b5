import { createHmac } from 'node:crypto';

/** Family-name prefixes that Dutch registers sort under the main name (domain.md §2.5). */
const PREFIXES = new Set(['van', 'de', 'der', 'den', 'ter', 'ten', 't', "'t", 'het', 'la', 'le', 'du', 'da', 'di', 'in', 'op', 'aan', 'uit', 'te', 'vd', 'v']);

function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

/** Lower case, no diacritics, no prefixes such as van/de/der/'t, no spaces or punctuation. */
export function normaliseFamilyName(familyName: string): string {
  const words = fold(familyName)
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const kept = words.filter((w) => !PREFIXES.has(w));
  return (kept.length > 0 ? kept : words).join('').replace(/[^a-z0-9]/g, '');
}

export function firstInitial(givenNames: string): string {
  return fold(givenNames).replace(/[^a-z]/g, '').charAt(0);
}

/** The exact-match key: normalised family name + date of birth + first initial. */
export function matchKeyInput(familyName: string, dateOfBirth: string, givenNames: string): string {
  return `${normaliseFamilyName(familyName)}|${dateOfBirth}|${firstInitial(givenNames)}`;
}

/** Stored as an HMAC: a database dump does not show the key, and PostgreSQL never logs it. */
export function matchKey(secret: Buffer, familyName: string, dateOfBirth: string, givenNames: string): Buffer {
  return createHmac('sha256', secret).update(matchKeyInput(familyName, dateOfBirth, givenNames)).digest();
}

/** The normalised full name the trigram probe compares. */
export function nameForSimilarity(givenNames: string, familyName: string): string {
  return `${fold(givenNames).replace(/[^a-z ]+/g, ' ').trim()} ${normaliseFamilyName(familyName)}`.replace(/\s+/g, ' ').trim();
}

/** The same date with day and month swapped (a common typo), when that is a real date. */
export function swappedDate(isoDate: string): string | null {
  const [y, m, d] = isoDate.split('-').map(Number);
  if (d > 12 || d === m) return null;
  return `${y}-${String(d).padStart(2, '0')}-${String(m).padStart(2, '0')}`;
}
