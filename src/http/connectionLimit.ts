import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Why a connection was closed on accept (`exotel_exporter_connections_refused_total`). */
export const CONNECTION_REFUSAL_REASONS = ['per_source', 'max_connections', 'silent'] as const;
export type ConnectionRefusal = (typeof CONNECTION_REFUSAL_REASONS)[number];

/**
 * Counts open connections per source IP, on the socket: a client that opens connections and
 * sends nothing makes no request, so a per-request limit never sees it, and MAX_CONNECTIONS alone
 * lets one source take every slot and lock everyone else (Exotel included) out. A source at its
 * limit has each further connection closed on accept; the others keep their slots. Connections
 * over MAX_CONNECTIONS, which Node drops itself, are counted too.
 *
 * A connection that sends no byte at all within `firstByteMs` is closed (`silent`): Node starts
 * its headersTimeout at the first byte, so a silent socket would otherwise hold its slot for ever.
 * On TLS the handshake counts as bytes (the handshake has its own 10 s timeout).
 *
 * The key is the TCP peer, never a header. Behind a reverse proxy every connection comes from the
 * proxy: raise the limit or turn it off (0) there, and limit per client at the proxy.
 */
export function guardConnections(
  server: Server,
  limits: { readonly perSource: number; readonly firstByteMs: number },
  refused: (reason: ConnectionRefusal) => void,
): void {
  server.on('drop', () => refused('max_connections'));
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    if (limits.perSource > 0 && !admit(socket, open, limits.perSource)) {
      refused('per_source');
      socket.destroy();
      return;
    }
    const silence = setTimeout(() => {
      if (socket.bytesRead > 0 || socket.destroyed) return;
      refused('silent');
      socket.destroy();
    }, limits.firstByteMs);
    silence.unref();
    socket.once('close', () => clearTimeout(silence));
  });
}

/** Counts the socket against its source, or returns false when the source is at its limit. */
function admit(socket: Socket, open: Map<string, number>, perSource: number): boolean {
  const source = socket.remoteAddress ?? 'unknown';
  const count = open.get(source) ?? 0;
  if (count >= perSource) return false;
  open.set(source, count + 1);
  socket.once('close', () => {
    const left = (open.get(source) ?? 1) - 1;
    if (left <= 0) open.delete(source);
    else open.set(source, left);
  });
  return true;
}
