import { describe, expect, it } from '@jest/globals';
import { SeededRandom } from '../../common/seeded-random.js';
import { base32Lower } from './base32.js';
import { deriveProjectKey, hkdfSha256, hmacSha256, pseudonym, pseudonymiser } from './pseudonyms.js';

const range = (from: number, to: number) => Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i));

describe('HMAC-SHA-256 wrapper: RFC 4231 test cases 1-7 (T11a)', () => {
  const cases: Array<[string, Buffer, Buffer, string, number]> = [
    ['1', Buffer.alloc(20, 0x0b), Buffer.from('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7', 32],
    ['2', Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 32],
    ['3', Buffer.alloc(20, 0xaa), Buffer.alloc(50, 0xdd), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe', 32],
    ['4', range(0x01, 0x19), Buffer.alloc(50, 0xcd), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b', 32],
    ['5 (128-bit truncation)', Buffer.alloc(20, 0x0c), Buffer.from('Test With Truncation'), 'a3b6167473100ee06e0c796c2955552b', 16],
    ['6', Buffer.alloc(131, 0xaa), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54', 32],
    [
      '7',
      Buffer.alloc(131, 0xaa),
      Buffer.from('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'),
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
      32,
    ],
  ];
  it.each(cases)('case %s', (_name, key, data, expected, truncate) => {
    expect(hmacSha256(key, data, truncate).toString('hex')).toBe(expected);
  });
});

describe('HKDF-SHA-256 wrapper: RFC 5869 A.1-A.3 (T11b)', () => {
  it('A.1 basic test case', () => {
    expect(hkdfSha256(Buffer.alloc(22, 0x0b), range(0x00, 0x0c), range(0xf0, 0xf9), 42).toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });
  it('A.2 longer inputs and outputs', () => {
    expect(hkdfSha256(range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82).toString('hex')).toBe(
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
    );
  });
  it('A.3 zero-length salt and info', () => {
    expect(hkdfSha256(Buffer.alloc(22, 0x0b), Buffer.alloc(0), Buffer.alloc(0), 42).toString('hex')).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });
});

describe('base32 (RFC 4648 §10, lower case, unpadded)', () => {
  it.each([
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ])('%j -> %j', (input, output) => {
    expect(base32Lower(Buffer.from(input))).toBe(output);
  });
});

describe('project pseudonyms (T11c-e)', () => {
  const rng = new SeededRandom(11);
  const master = rng.bytes(32);
  const saltA = rng.bytes(32);
  const saltB = rng.bytes(32);

  it('derives K_p with HKDF(master, salt, "doorstep/research/pid/v1:" + projectId)', () => {
    const kp = deriveProjectKey(master, saltA, 'project-1');
    expect(kp.equals(hkdfSha256(master, saltA, 'doorstep/research/pid/v1:project-1', 32))).toBe(true);
    const personKey = '0b6d3c2e-4f1a-4c8e-9d2b-1a2b3c4d5e6f';
    expect(pseudonym(kp, personKey)).toBe(base32Lower(hmacSha256(kp, `person:${personKey}`).subarray(0, 16)));
    expect(pseudonym(kp, personKey)).toMatch(/^[a-z2-7]{26}$/);
  });

  it('refuses short keys and salts', () => {
    expect(() => deriveProjectKey(Buffer.alloc(16), saltA, 'p')).toThrow(/256 bits/);
    expect(() => deriveProjectKey(master, Buffer.alloc(8), 'p')).toThrow(/256 bits/);
  });

  it('gives the same pid for the same person and project across exports and releases', () => {
    const persons = Array.from({ length: 200 }, () => rng.uuid());
    const first = persons.map(pseudonymiser(deriveProjectKey(master, saltA, 'p1')));
    const again = persons.map(pseudonymiser(deriveProjectKey(Buffer.from(master), Buffer.from(saltA), 'p1')));
    expect(again).toEqual(first);
  });

  it('gives unrelated pids in two projects: disjoint sets, bit agreement 0.5 ± 4 SE', () => {
    const persons = Array.from({ length: 10_000 }, () => rng.uuid());
    const a = pseudonymiser(deriveProjectKey(master, saltA, 'p1'));
    const b = pseudonymiser(deriveProjectKey(master, saltB, 'p2'));
    const ka = deriveProjectKey(master, saltA, 'p1');
    const kb = deriveProjectKey(master, saltB, 'p2');
    const setA = new Set(persons.map(a));
    expect(persons.map(b).filter((pid) => setA.has(pid))).toEqual([]);
    let agree = 0;
    for (const p of persons) {
      const x = hmacSha256(ka, `person:${p}`, 16);
      const y = hmacSha256(kb, `person:${p}`, 16);
      for (let i = 0; i < 16; i += 1) {
        let same = ~(x[i]! ^ y[i]!) & 0xff;
        while (same) {
          agree += same & 1;
          same >>= 1;
        }
      }
    }
    const bits = persons.length * 128;
    const se = Math.sqrt(0.25 / bits);
    expect(Math.abs(agree / bits - 0.5)).toBeLessThanOrEqual(4 * se);
  });

  it('a different salt for the same project id gives a different key (shredding the salt loses the link)', () => {
    expect(deriveProjectKey(master, saltA, 'p1').equals(deriveProjectKey(master, saltB, 'p1'))).toBe(false);
  });

  it('has no collisions among 200,000 random person keys (10^6 in the full run is the same test, scaled down)', () => {
    const pid = pseudonymiser(deriveProjectKey(master, saltA, 'p1'));
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i += 1) seen.add(pid(rng.uuid()));
    expect(seen.size).toBe(200_000);
  });
});
