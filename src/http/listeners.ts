import {
  createServer as createHttpServer,
  type RequestListener,
  type Server,
  type ServerOptions as HttpServerOptions,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';

/** HTTP, or HTTPS when the web configuration has a `tls_server_config`. */
export function createListener(
  options: HttpServerOptions,
  tls: ServerOptions | null,
  app: RequestListener,
): Server {
  // A client that stalls in the TLS handshake is not yet covered by headersTimeout.
  return tls === null
    ? createHttpServer(options, app)
    : createHttpsServer({ ...options, handshakeTimeout: 10_000, ...tls }, app);
}

/** Resolves once listening; empty host: all interfaces. */
export function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const onListening = () => {
      server.off('error', reject);
      resolve();
    };
    if (host === '') server.listen(port, onListening);
    else server.listen(port, host, onListening);
  });
}

/** Stops accepting, lets in-flight answers finish, cuts whatever is left after `forceAfterMs`. */
export function closeListener(server: Server, forceAfterMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), forceAfterMs);
  return closed.finally(() => clearTimeout(force));
}
