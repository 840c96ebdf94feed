// A loopback port nothing listens on right now, for a server whose address must be known before it
// starts (the bot's PUBLIC_URL in the stack and the dashboard tests), or for an address where nothing
// answers (a server that is down).
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
