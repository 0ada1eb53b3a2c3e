// HTTP and WebSocket requests to the gateway with headers set as a browser (or an attacker's
// page) would set them: node:http for an explicit Host header, which fetch does not let a
// caller choose, and `ws` for an explicit Origin on an upgrade. Each request uses a
// connection of its own, so it reaches whoever accepts it on that port.
import { request } from 'node:http';
import WebSocket from 'ws';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpRequest(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * What became of an upgrade: opened (with the socket, and its first message, kept from the
 * start as it may come in the same packet as the handshake), or refused with an HTTP answer.
 */
export type Upgrade = { opened: true; socket: WebSocket; first: () => Promise<Record<string, unknown>> } | { opened: false; status: number; body: string };

/** Opens a WebSocket with the given Origin (none when undefined) and extra headers. */
export function upgrade(url: string, origin: string | undefined, headers: Record<string, string> = {}): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { origin, headers, handshakeTimeout: 10_000 });
    let message: Record<string, unknown> | null = null;
    socket.once('message', (data) => { message = JSON.parse(data.toString()) as Record<string, unknown>; });
    const first = () => new Promise<Record<string, unknown>>((resolveMessage, rejectMessage) => {
      if (message) return resolveMessage(message);
      const timer = setTimeout(() => rejectMessage(new Error('no message in 10 s')), 10_000);
      socket.once('message', () => {
        clearTimeout(timer);
        resolveMessage(message!);
      });
    });
    socket.once('open', () => resolve({ opened: true, socket, first }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => {
        socket.terminate();
        resolve({ opened: false, status: res.statusCode ?? 0, body });
      });
    });
    socket.once('error', reject);
  });
}
