import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Regression (fault tier, RE-06): while the server drains after SIGTERM, a request that arrives on a
 * kept-alive connection got Fastify's fixed `{"error":"Service Unavailable",…}` body, with no problem
 * type, no code, no request id and no Retry-After. It now gets the same problem+json as every other
 * error, while the request already in flight on that connection finishes normally.
 */
describe('requests arriving during shutdown', () => {
  let t: TestApp;
  let closed = false;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    if (!closed) await t?.close();
  });

  it('finishes the request in flight and answers the next one 503 problem+json', async () => {
    const server = t.app.getHttpServer() as Server;
    const port = (server.address() as { port: number }).port;
    const socket: Socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('utf8')));
    const ended = new Promise((r) => socket.once('close', r));

    // A request in flight: headers parsed by the server, the body not yet complete.
    const body = JSON.stringify({ username: 'nobody-at-all', password: 'not the right password' });
    const received1 = new Promise((r) => server.once('request', r));
    socket.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    await received1;

    const closing = t.close();
    closed = true;
    // Nest's shutdown hooks run first; Fastify's preClose hooks (which mark the drain) run before it
    // stops listening, so once the listener is gone the drain has begun.
    while (server.listening) await new Promise((r) => setTimeout(r, 10));
    // The rest of the body, and a second request pipelined behind it on the same connection.
    socket.write(`${body.slice(10)}GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n`);
    await ended;
    await closing;

    const responses = received.split(/(?=HTTP\/1\.1 \d{3})/);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 401/);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503/);
    expect(responses[1]).toMatch(/content-type: application\/problem\+json/i);
    expect(responses[1]).toMatch(/retry-after: 1/i);
    const problem = JSON.parse(responses[1].slice(responses[1].indexOf('\r\n\r\n') + 4));
    expect(problem).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(problem.requestId).toBeTruthy();
  }, 30_000);
});
