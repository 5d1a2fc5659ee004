import { createSocket, type Socket } from 'node:dgram';

/**
 * A DNS "server" that never answers: a UDP socket on 127.0.0.1 that reads and drops every
 * query. Queries to it time out (nothing refuses them, as a closed port would).
 */
export interface DeadDns {
  server: string;
  /** Queries received so far. */
  received(): number;
  stop(): Promise<void>;
}

export function startDeadDns(): Promise<DeadDns> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket('udp4');
    let received = 0;
    socket.on('message', () => received++);
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      resolve({
        server: `127.0.0.1:${port}`,
        received: () => received,
        stop: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
