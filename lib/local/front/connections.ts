import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Holds `server` to `max` open connections, so that a flood of connections cannot take the file
 * descriptors the handlers need to reach the store. Unlike `server.maxConnections`, which turns
 * every newcomer away once a flood has filled the cap, a newcomer is let in by closing another
 * connection: the one idle longest (no request on it), else the one that has been sending its
 * request longest (a stalled body holds a place without ever being served). Only when every
 * connection has a whole request under way is the newcomer closed, and `onRefused` told.
 */
export const capConnections = (server: Server, max: number, onRefused: () => void = () => undefined): void => {
  // Oldest first: a Set keeps insertion order, and re-adding moves a socket to the end.
  const idle = new Set<Socket>();
  const receiving = new Set<Socket>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= max) {
      const [oldest] = idle.size > 0 ? idle : receiving;
      if (oldest === undefined) {
        onRefused();
        return void socket.destroy();
      }
      idle.delete(oldest);
      receiving.delete(oldest);
      oldest.destroy();
    }
    open++;
    idle.add(socket);
    socket.once('close', () => {
      open--;
      idle.delete(socket);
      receiving.delete(socket);
    });
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    idle.delete(socket);
    receiving.add(socket);
    req.once('end', () => receiving.delete(socket));
    res.once('close', () => {
      receiving.delete(socket);
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
