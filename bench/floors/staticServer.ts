/**
 * The static peer for the real-Prometheus comparison: replays, byte for byte, one response the
 * exporter gave to Prometheus's own request headers (same body, Content-Type and
 * Content-Encoding), from memory. Usage: staticServer.js <body file> <content-type>
 * [<content-encoding>]. Prints `LISTENING <port>`, and `REQUEST <accept>|<accept-encoding>` for
 * the first request so the harness can check the copy was captured with matching headers.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [bodyFile, contentType, contentEncoding] = process.argv.slice(2);
if (bodyFile === undefined || contentType === undefined) {
  process.stderr.write('usage: staticServer.js <body file> <content-type> [<content-encoding>]\n');
  process.exit(2);
}
const body = readFileSync(bodyFile);
const headers: Record<string, string | number> = {
  'content-type': contentType,
  'content-length': body.length,
};
if (contentEncoding !== undefined && contentEncoding !== '')
  headers['content-encoding'] = contentEncoding;

let reported = false;
const server = createServer((req, res) => {
  if (!reported) {
    reported = true;
    process.stdout.write(
      `REQUEST ${req.headers.accept ?? ''}|${req.headers['accept-encoding'] ?? ''}\n`,
    );
  }
  req.resume();
  res.writeHead(200, headers);
  res.end(body);
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`LISTENING ${port}\n`);
});
