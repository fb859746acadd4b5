import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import { DomainError } from '../common/errors.js';
import type { AppConfig } from '../config/app-config.js';
import { Db } from './db.service.js';

class FakeClient extends EventEmitter {
  queryable = true;
  readonly released: unknown[] = [];

  async query(): Promise<{ rows: unknown[]; rowCount: number }> {
    if (!this.queryable) throw new Error('Client has encountered a connection error and is not queryable');
    return { rows: [], rowCount: 0 };
  }

  release(err?: unknown): void {
    this.released.push(err);
  }
}

/**
 * A pool whose new client dies at once: the server's FATAL arrives in the same socket read as the
 * ReadyForQuery that completed the connection, so pg emits 'error' before the caller's next turn.
 * Found by the fault tier (kill -9 of PostgreSQL under load ended the API process).
 */
function poolWithDyingClient(client: FakeClient) {
  const fatal = () => {
    client.queryable = false;
    client.emit('error', Object.assign(new Error('terminating connection due to unexpected postmaster exit'), { code: '57P01' }));
  };
  return {
    connect(cb?: (err: Error | undefined, c: FakeClient | undefined, done: () => void) => void) {
      if (cb) {
        cb(undefined, client, () => undefined);
        fatal();
        return undefined;
      }
      return new Promise((resolve) => {
        queueMicrotask(fatal);
        resolve(client);
      });
    },
  };
}

describe('Db.tx when the connection dies right after checkout', () => {
  it('answers UNAVAILABLE and drops the client instead of ending the process', async () => {
    const client = new FakeClient();
    const db = new Db({ driver: { master: poolWithDyingClient(client) } } as unknown as DataSource, {} as AppConfig);
    const result = db.tx(null, (tx) => tx.one('SELECT 1'));
    await expect(result).rejects.toBeInstanceOf(DomainError);
    await expect(result).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(client.released).toEqual([true]);
    expect(client.listenerCount('error')).toBe(0);
  });
});
