import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of one port, whose connections can all be cut at once: what
 * a client sees when the network fails in the middle of a command. The target may be down; a
 * connection made then is closed at once, as a refused one would be.
 */
export interface TcpProxy {
  port: number;
  /** Connections passing through now. */
  open(): number;
  /** Resets every open connection, on both sides (TCP RST, no orderly close); returns how many. */
  cutAll(): number;
  /**
   * Stops passing bytes on every open connection, both ways, without closing them: a link that
   * went dead under an open connection (a sleeping laptop's Wi-Fi, a router that forgot it).
   * Returns how many.
   */
  stallAll(): number;
  /** Cuts every connection and stops listening. */
  stop(): Promise<void>;
}

export function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // A reset or refused connection is an error on one side: it ends the other side too.
    for (const socket of pair) socket.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const cutAll = () => {
    const cut = pairs.size;
    for (const pair of pairs) for (const socket of pair) socket.resetAndDestroy();
    pairs.clear();
    return cut;
  };
  const stallAll = () => {
    for (const [client, upstream] of pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    return pairs.size;
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        port,
        open: () => pairs.size,
        cutAll,
        stallAll,
        stop: () =>
          new Promise((done) => {
            cutAll();
            server.close(() => done());
          }),
      });
    });
  });
}
