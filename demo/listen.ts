// One way for the demo's servers to listen and stop: an http.Server bound to one address, whose
// request handler is attached afterwards (`server.on('request', …)`), so a server can learn its
// own URL (port 0 = a free port) before it builds the app that announces it.

import * as http from 'node:http';
import { isIPv6, type AddressInfo, type Socket } from 'node:net';

export interface Listening {
  server: http.Server;
  host: string;
  port: number;
  /** `http://<host>:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** `http://host:port`, with an IPv6 literal in brackets (RFC 3986 §3.2.2). */
export const httpOrigin = (host: string, port: number): string => `http://${isIPv6(host) ? `[${host}]` : host}:${port}`;

export async function listen(port: number, host = '127.0.0.1'): Promise<Listening> {
  const server = http.createServer();
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    host,
    port: bound,
    origin: httpOrigin(host, bound),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Polling clients keep connections alive: end them, or close() waits for their timeout.
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
