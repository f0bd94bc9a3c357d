import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Why a connection was closed on accept (`exotel_exporter_connections_refused_total`). */
export const CONNECTION_REFUSAL_REASONS = ['per_source', 'max_connections'] as const;
export type ConnectionRefusal = (typeof CONNECTION_REFUSAL_REASONS)[number];

/**
 * Counts open connections per source IP, on the socket: a client that opens connections and
 * sends nothing makes no request, so a per-request limit never sees it, and MAX_CONNECTIONS alone
 * lets one source take every slot and lock everyone else (Exotel included) out. A source at its
 * limit has each further connection closed on accept; the others keep their slots. Connections
 * over MAX_CONNECTIONS, which Node drops itself, are counted too.
 *
 * The key is the TCP peer, never a header. Behind a reverse proxy every connection comes from the
 * proxy: raise the limit or turn it off (0) there, and limit per client at the proxy.
 */
export function limitConnectionsPerSource(
  server: Server,
  perSource: number,
  refused: (reason: ConnectionRefusal) => void,
): void {
  server.on('drop', () => refused('max_connections'));
  if (perSource === 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const source = socket.remoteAddress ?? 'unknown';
    const count = open.get(source) ?? 0;
    if (count >= perSource) {
      refused('per_source');
      socket.destroy();
      return;
    }
    open.set(source, count + 1);
    socket.once('close', () => {
      const left = (open.get(source) ?? 1) - 1;
      if (left <= 0) open.delete(source);
      else open.set(source, left);
    });
  });
}
