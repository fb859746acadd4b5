import { describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { exportFileStream } from './export-file-stream.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Drains a stream, collecting what a client would have received before any error. */
async function drain(stream: Readable): Promise<{ received: Buffer; error?: Error }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { received: Buffer.concat(chunks) };
  } catch (e) {
    return { received: Buffer.concat(chunks), error: e as Error };
  }
}

function reader(file: Buffer) {
  const reads: Array<[number, number]> = [];
  const read = (offset: number, length: number) => {
    reads.push([offset, length]);
    return Promise.resolve(file.subarray(offset, offset + length));
  };
  return { reads, read };
}

describe('exportFileStream', () => {
  it('streams the stored bytes slice by slice, unchanged', async () => {
    const file = randomBytes(10_000);
    const { reads, read } = reader(file);
    const out = await drain(exportFileStream(read, file.length, sha(file), () => undefined, 1024));
    expect(out.error).toBeUndefined();
    expect(out.received.equals(file)).toBe(true);
    expect(reads).toHaveLength(10);
    expect(reads.every(([, length]) => length <= 1024)).toBe(true);
  });

  it('reads ahead only as far as the client takes (backpressure), and stops when aborted', async () => {
    const file = randomBytes(64 * 1024);
    const { reads, read } = reader(file);
    const stream = exportFileStream(read, file.length, sha(file), () => undefined, 1024);
    stream.read(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Nobody consumes: the buffer fills to its high-water mark (two slices) and reading stops.
    expect(reads.length).toBeLessThanOrEqual(3);
    // An aborted response destroys the stream: nothing more is read.
    stream.destroy();
    const before = reads.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads.length).toBe(before);
  });

  it('never releases the last slice of a file that does not match its manifest', async () => {
    const file = randomBytes(5_000);
    const { read } = reader(file);
    let alerts = 0;
    const out = await drain(exportFileStream(read, file.length, sha(Buffer.from('other')), () => (alerts += 1), 1024));
    expect(out.error?.message).toMatch(/does not match its manifest/);
    expect(alerts).toBe(1);
    expect(out.received.length).toBeLessThan(file.length);
  });

  it('fails when the file disappears or shrinks while it is read', async () => {
    const file = randomBytes(3_000);
    const out = await drain(exportFileStream((o, l) => Promise.resolve(o >= 1024 ? null : file.subarray(o, o + l)), file.length, sha(file), () => undefined, 1024));
    expect(out.error?.message).toMatch(/changed or removed/);
    expect(out.received.length).toBeLessThan(file.length);
  });

  it('serves an empty file when its hash matches', async () => {
    const empty = Buffer.alloc(0);
    const out = await drain(exportFileStream(() => Promise.resolve(empty), 0, sha(empty), () => undefined));
    expect(out.error).toBeUndefined();
    expect(out.received.length).toBe(0);
  });
});
