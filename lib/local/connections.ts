import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Holds `server` to `max` open connections, so that a flood of connections cannot take the file
 * descriptors the handlers need to reach the store. Unlike `server.maxConnections`, which turns
 * every newcomer away once the flood has filled the cap, a newcomer is let in by closing the
 * connection that has been idle longest (no request under way on it); only when every connection
 * is busy is the newcomer closed. Idle connections cost the service nothing to lose: a client
 * reconnects, as it must after any keep-alive timeout.
 */
export const capConnections = (server: Server, max: number): void => {
  // In order of last activity, oldest first: a Set keeps insertion order, and re-adding moves to the end.
  const idle = new Set<Socket>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= max) {
      const [oldest] = idle;
      if (oldest === undefined) return void socket.destroy();
      idle.delete(oldest);
      oldest.destroy();
    }
    open++;
    idle.add(socket);
    socket.once('close', () => {
      open--;
      idle.delete(socket);
    });
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    idle.delete(socket);
    res.once('close', () => {
      if (!socket.destroyed) idle.add(socket);
    });
  });
};

/**
 * Half the process's file descriptor limit, leaving the other half to the store, its files and the
 * handlers' connections to it (two descriptors each, both ends being in this process); 1000 where
 * the limit cannot be read (not Linux).
 */
export const defaultMaxConnections = (): number => {
  try {
    const soft = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    if (soft !== undefined) return Math.max(16, Math.floor(Number(soft) / 2));
  } catch {
    // not Linux
  }
  return 1000;
};
