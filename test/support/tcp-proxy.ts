/**
 * A TCP proxy in front of PostgreSQL that a test can cut: after `cut()` it
 * refuses new connections and drops the open ones, as a database that went
 * away would.
 */
import net from "node:net";

export interface TcpProxy {
  port: number;
  /** Closes the listener and destroys every connection through it. */
  cut(): Promise<void>;
}

/** `port`: where to listen (default: a port of the kernel's choosing). */
export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1", port = 0): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const listening = (server.address() as net.AddressInfo).port;
  let cutting: Promise<void> | undefined;
  return {
    port: listening,
    cut: () =>
      (cutting ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}

/** A server that accepts connections and never says a word: a database host that is up but hung. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
