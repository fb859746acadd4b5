import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';

/** Reads `length` bytes from `offset`; null when the file is gone. */
export type SliceReader = (offset: number, length: number) => Promise<Buffer | null>;

export const SLICE_BYTES = 1024 * 1024;

/**
 * A stored export file as a byte stream: read slice by slice only as fast as the client takes it (a slow client holds
 * no database connection between slices and at most two slices of memory), hashed on the way. The last slice is
 * released only after the hash of the whole file equals the expected one, so a client never receives a complete file
 * that differs from its manifest: on a mismatch the stream fails and the response is cut short.
 */
export class ExportFileStream extends Readable {
  private offset = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(
    private readonly readSlice: SliceReader,
    private readonly size: number,
    private readonly sha256: string,
    private readonly onMismatch: () => void,
    private readonly sliceBytes = SLICE_BYTES,
  ) {
    super({ highWaterMark: sliceBytes * 2 });
  }

  // Readable calls _read again only after a push, so one slice is in flight at a time.
  override _read(): void {
    void this.next();
  }

  private async next(): Promise<void> {
    try {
      if (this.offset >= this.size) {
        this.finish();
        return;
      }
      const length = Math.min(this.sliceBytes, this.size - this.offset);
      const slice = await this.readSlice(this.offset, length);
      if (this.destroyed) return;
      if (!slice || slice.length !== length) throw new Error('export file changed or removed while it was read');
      this.offset += length;
      this.hash.update(slice);
      if (this.offset < this.size) {
        this.push(slice);
        return;
      }
      if (!this.verified()) return;
      this.push(slice);
      this.push(null);
    } catch (err) {
      this.destroy(err as Error);
    }
  }

  private finish(): void {
    if (this.verified()) this.push(null);
  }

  private verified(): boolean {
    if (this.hash.digest('hex') === this.sha256) return true;
    this.onMismatch();
    this.destroy(new Error('export file does not match its manifest'));
    return false;
  }
}
