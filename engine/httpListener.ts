import { createServer, type RequestListener, type Server } from 'node:http';

/** Listens, or reports why not (port taken) without throwing: the engine runs on without its API. */
export function listen(handler: RequestListener, host: string, port: number): Promise<{ server: Server; url: string } | { error: string }> {
  return new Promise((resolve) => {
    const server = createServer(handler);
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve({
        error:
          error.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use by another program`
            : `could not listen on ${host}:${port}: ${error.message}`,
      });
    });
    server.listen(port, host, () => {
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({ server, url: `http://${shownHost}:${actualPort}` });
    });
  });
}
