/**
 * One GET to the exporter's probe route over node:http or node:https.
 *
 * The server certificate is not verified (`rejectUnauthorized: false`), as the kubelet's HTTPS
 * probes do not verify it either: the healthcheck runs next to the exporter, connects to its
 * loopback address, and the certificate is issued for the public name, not for 127.0.0.1. What
 * the check proves is that the process answers, over the TLS it was configured with.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProbeTarget } from './probeTarget.js';

export interface ProbeAnswer {
  readonly status: number;
  readonly body: string;
}

export type ProbeRequest = (
  target: ProbeTarget,
  path: string,
  timeoutMs: number,
) => Promise<ProbeAnswer>;

/** At most this much of the answer is kept (the probes answer "OK" or a short reason). */
const MAX_BODY = 1_024;

export const probeRequest: ProbeRequest = (target, path, timeoutMs) =>
  new Promise((resolve, reject) => {
    const common = {
      host: target.host,
      port: target.port,
      path,
      method: 'GET',
      headers: { 'user-agent': 'exotel-heartbeat-exporter-healthcheck' },
      agent: false as const,
      timeout: timeoutMs,
    };
    const onResponse = (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    };
    const req =
      target.tls === null
        ? httpRequest(common, onResponse)
        : httpsRequest(
            {
              ...common,
              rejectUnauthorized: false,
              ...(target.tls.cert === undefined ? {} : { cert: target.tls.cert }),
              ...(target.tls.key === undefined ? {} : { key: target.tls.key }),
            },
            onResponse,
          );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
