/**
 * An HTTP server on 127.0.0.1, on a port of the kernel's choosing, for the
 * test doubles that speak HTTP (the Cognito fault proxy, the fake Keycloak).
 * Its close() ends every connection at once: http.Server.close() alone only
 * stops accepting, and would wait for ever on hung and kept-alive sockets.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface LoopbackServer {
  port: number;
  /** Connections open now, kept-alive ones included. */
  readonly openConnections: number;
  /** Stops listening and destroys every open socket; resolves once the server has closed. */
  close(): Promise<void>;
}

export async function startLoopbackServer(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    // A client that disconnects mid-request is not the server's problem; drop its socket and carry on.
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });

  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    get openConnections() {
      return sockets.size;
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
