import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { join } from 'node:path';

/**
 * A self-signed certificate for 127.0.0.1 made by the real openssl (which fails loudly if it is
 * missing), written as `<dir>/tls/exporter.crt` and `.key`, where the shipped web-config example
 * looks for them.
 */
export function makeCertificate(dir: string): { cert: string; certFile: string; keyFile: string } {
  mkdirSync(join(dir, 'tls'), { recursive: true });
  const certFile = join(dir, 'tls', 'exporter.crt');
  const keyFile = join(dir, 'tls', 'exporter.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe' },
  );
  return { cert: readFileSync(certFile, 'utf8'), certFile, keyFile };
}

/** A CA and a client certificate it signed, plus a stray self-signed one, for client auth. */
export function makeClientCertificates(dir: string): {
  caFile: string;
  client: { cert: string; key: string };
  stray: { cert: string; key: string };
} {
  const file = (name: string) => join(dir, 'tls', name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  mkdirSync(join(dir, 'tls'), { recursive: true });
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
  ]);
  openssl([
    'req',
    ...ec,
    '-keyout',
    file('client.key'),
    '-out',
    file('client.csr'),
    '-subj',
    '/CN=prometheus',
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    file('client.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('client.crt'),
    '-days',
    '2',
  ]);
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('stray.key'),
    '-out',
    file('stray.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=prometheus',
  ]);
  const read = (name: string) => readFileSync(file(name), 'utf8');
  return {
    caFile: file('ca.crt'),
    client: { cert: read('client.crt'), key: read('client.key') },
    stray: { cert: read('stray.crt'), key: read('stray.key') },
  };
}

export interface HttpsResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly tlsVersion: string | null;
}

/** One HTTPS request with a real handshake, trusting only `ca`; rejects on a handshake failure. */
export function httpsRequest(
  url: string,
  options: RequestOptions & { readonly body?: string },
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, ...options }, (res) => {
      const socket = res.socket as { getProtocol?: () => string | null };
      const tlsVersion = socket.getProtocol?.() ?? null;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
          tlsVersion,
        });
      });
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.end(options.body);
  });
}

export function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
