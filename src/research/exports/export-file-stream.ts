import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** Reads `length` bytes from `offset`; null when the file is gone. */
export type SliceReader = (offset: number, length: number) => Promise<Buffer | null>;

export const SLICE_BYTES = 1024 * 1024;

/**
 * A stored export file as a byte stream: read slice by slice only as fast as the client takes it (a slow client holds
 * no database connection between slices and at most two slices of memory; an aborted response ends the generator, so
 * nothing more is read), hashed on the way. The last slice is released only after the hash of the whole file equals
 * the expected one, so a client never receives a complete file that differs from its manifest: on a mismatch the
 * stream fails and the response is cut short.
 */
export function exportFileStream(readSlice: SliceReader, size: number, sha256: string, onMismatch: () => void, sliceBytes = SLICE_BYTES): Readable {
  async function* slices(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let last: Buffer | undefined;
    for (let offset = 0; offset < size; ) {
      const length = Math.min(sliceBytes, size - offset);
      const slice = await readSlice(offset, length);
      if (!slice || slice.length !== length) throw new Error('export file changed or removed while it was read');
      hash.update(slice);
      offset += length;
      if (offset < size) yield slice;
      else last = slice;
    }
    if (hash.digest('hex') !== sha256) {
      onMismatch();
      throw new Error('export file does not match its manifest');
    }
    if (last) yield last;
  }
  return Readable.from(slices(), { objectMode: false, highWaterMark: sliceBytes * 2 });
}
