// Calibration: bare node:http answering a small JSON body (performance.md §3.1, "bare node:http req/s").
import http from 'node:http';

const port = Number(process.env.PORT ?? 3319);
const body = JSON.stringify({ hello: 'world' });
http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  })
  .listen(port, '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
