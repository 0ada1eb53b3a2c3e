// Binding the gateway's listeners. uWebSockets.js listens with SO_REUSEPORT unless told
// otherwise: a second broker on the same port would start without complaint and take a share
// of the requests. Each listener binds exclusively instead, and a port in use fails the start
// with the error the Kafka listener gives (EADDRINUSE and the port, named by its config key).
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Listener } from '../config/config.js';

/**
 * uWS's ListenOptions.LIBUS_LISTEN_EXCLUSIVE_PORT: bind without SO_REUSEPORT. The JavaScript
 * fallback exports no such constant (Node never shares a port) but takes the same argument.
 */
const LISTEN_EXCLUSIVE_PORT = 1;

/** A listen failure as start.ts reports it: `cannot listen on port P (http.listeners): ...`. */
type ListenError = NodeJS.ErrnoException & { port: number; listenerKey: string };

/** Native uWS v20.30 takes (host, port, options, cb); its typings list only (port, options, cb). */
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => TemplatedApp;
type ListenPortWithOptions = (port: number, options: number, cb: (socket: us_listen_socket | false) => void) => TemplatedApp;

/**
 * The address to bind for a configured host ('' for all interfaces). The host is resolved
 * here, first address first as Node does for the Kafka listener, so both bind the same
 * address: uWS would bind the IPv6 one first.
 */
export async function resolveListener(listener: Listener): Promise<string> {
  if (listener.host === '') return '';
  try {
    return (await lookup(listener.host)).address;
  } catch (e) {
    throw asListenError(e as NodeJS.ErrnoException, listener.port);
  }
}

/** Binds `app` to address:port for itself alone; throws a ListenError when it cannot. */
export async function listenExclusive(app: TemplatedApp, address: string, port: number): Promise<us_listen_socket> {
  const socket = await new Promise<us_listen_socket | false>((resolve) => {
    if (address === '') (app.listen as unknown as ListenPortWithOptions).call(app, port, LISTEN_EXCLUSIVE_PORT, resolve);
    else (app.listen as unknown as ListenWithOptions).call(app, address, port, LISTEN_EXCLUSIVE_PORT, resolve);
  });
  if (socket) return socket;
  throw asListenError(await whyNotListening(address, port), port);
}

/**
 * uWS only says false. Binding the same address with Node says why (EADDRINUSE, EACCES,
 * EADDRNOTAVAIL); should that succeed after all (the port freed meanwhile), a plain failure.
 */
async function whyNotListening(address: string, port: number): Promise<NodeJS.ErrnoException> {
  const probe = createServer();
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    probe.once('error', resolve);
    probe.listen({ host: address === '' ? undefined : address, port, exclusive: true }, () => resolve(null));
  });
  if (error) return error;
  await new Promise((resolve) => probe.close(resolve));
  return Object.assign(new Error(`uWebSockets.js could not listen on ${address || 'all interfaces'} port ${port}`), { syscall: 'listen' });
}

function asListenError(error: NodeJS.ErrnoException, port: number): ListenError {
  return Object.assign(error, { port, listenerKey: 'http.listeners' });
}
