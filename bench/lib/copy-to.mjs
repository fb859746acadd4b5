// `COPY … TO STDOUT` as a Readable on a pg client, the protocol path pg-copy-streams takes (pg-copy-streams is not a
// dependency of the app). CopyData messages (one row each) are packed into ~64 KB chunks before they are pushed
// (node-pg-copy-streams#70: pushing row by row starves the event loop), and the socket is paused while the consumer
// is behind, so memory stays flat.
import { Readable } from 'node:stream';

const PACK = 64 * 1024;

export class CopyToStream extends Readable {
  constructor(text, options = {}) {
    super({ highWaterMark: options.highWaterMark ?? PACK * 4 });
    this.text = text;
    this.connection = null;
    this.pack = Buffer.allocUnsafe(PACK * 2);
    this.packLen = 0;
    this.rowCount = 0;
    this.error = null;
  }

  submit(connection) {
    this.connection = connection;
    connection.query(this.text);
  }

  flush() {
    if (this.packLen === 0) return;
    const buf = this.pack.subarray(0, this.packLen);
    this.pack = Buffer.allocUnsafe(PACK * 2);
    this.packLen = 0;
    if (!this.push(buf)) this.connection?.stream.pause();
  }

  // msg.chunk is a view into pg-protocol's receive buffer, which is reused: copy it at once
  handleCopyData(msg) {
    const n = msg.chunk.length;
    if (this.packLen + n > this.pack.length) {
      this.flush();
      if (n > this.pack.length) this.pack = Buffer.allocUnsafe(n);
    }
    msg.chunk.copy(this.pack, this.packLen);
    this.packLen += n;
    if (this.packLen >= PACK) this.flush();
  }

  _read() {
    this.connection?.stream.resume();
  }

  handleCommandComplete(msg) {
    const m = /COPY (\d+)/.exec(msg.text ?? '');
    if (m) this.rowCount = Number(m[1]);
    this.flush();
  }

  handleReadyForQuery() {
    this.connection?.stream.resume();
    if (this.error) this.destroy(this.error);
    else this.push(null);
  }

  handleError(err) {
    this.error = err;
  }

  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}
  handleCopyInResponse() {}
}
