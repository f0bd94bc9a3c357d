import { Agent, request } from 'node:http';

export interface SourceAnswer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly text: string;
}

/**
 * An HTTP client whose connections come from a chosen loopback address (127.0.0.2, …), so a test
 * can play several source IPs against one exporter; fetch cannot pick its local address.
 */
export function sourceClient(localAddress: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 8, localAddress });
  const send = (method: 'GET' | 'POST', url: string, body: string): Promise<SourceAnswer> =>
    new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent,
          headers:
            method === 'GET'
              ? {}
              : {
                  'content-type': 'application/json',
                  'content-length': Buffer.byteLength(body),
                },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: res.headers['retry-after'],
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    post: (url: string, body: string) => send('POST', url, body),
    get: (url: string) => send('GET', url, ''),
    close: () => agent.destroy(),
  };
}
