/**
 * The ingest floor, run as its own plain `node` process (default flags): the least any receiver
 * must do with a heartbeat — read the whole body and JSON.parse it — then answer like the
 * exporter. Prints `LISTENING <port>` once it accepts connections.
 */
import { createServer } from 'node:http';

const ANSWER = Buffer.from('{"result":"applied"}');

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method === 'POST') {
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      // Keep the result observable so the parse cannot be skipped.
      if (parsed === null) res.setHeader('x-null', '1');
    }
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': ANSWER.length,
    });
    res.end(ANSWER);
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`LISTENING ${port}\n`);
});
