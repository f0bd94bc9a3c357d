import type { Server, ServerOptions } from 'node:http';
import type { HttpLimits } from './httpLimits.js';

/**
 * Options that can only be given to createServer. Node checks headersTimeout and requestTimeout
 * on a sweep every connectionsCheckingInterval (30 s by default), which would let a slow-loris
 * socket live up to 30 s past its deadline: sweep every second instead.
 */
export function serverOptions(limits: HttpLimits): ServerOptions {
  return { maxHeaderSize: limits.maxHeaderBytes, connectionsCheckingInterval: 1_000 };
}

/** The limits set on the server after creation; see HTTP_LIMIT_DEFAULTS for the reasoning. */
export function applyServerLimits(server: Server, limits: HttpLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // A client that pipelines forever on one socket still gets cut into bounded pieces.
  server.maxRequestsPerSocket = 1_000;
}
