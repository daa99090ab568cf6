import { createServer, Socket } from 'node:net';

/** A free TCP port on 127.0.0.1 (bound and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Why `port` of `host` cannot be listened on (EADDRINUSE: another process holds it; EACCES,
 * EADDRNOTAVAIL...), or undefined when it can. Bound and released at once.
 */
export function listenError(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/**
 * Waits for a TCP port on 127.0.0.1 to accept (or, with `open` false, to refuse) connections;
 * `gaveUp` says why waiting longer is pointless (the process that should listen has exited).
 */
export async function waitForPort(
  port: number,
  open: boolean,
  gaveUp: () => string | undefined = () => undefined,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const accepts = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (accepts === open) return;
    const why = gaveUp();
    if (why !== undefined) throw new Error(`port ${port} did not open: ${why}`);
    if (Date.now() > deadline) throw new Error(`port ${port} did not ${open ? 'open' : 'close'} in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
