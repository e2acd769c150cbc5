import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the receiver got it: the raw body and the headers that matter. */
export interface Received {
  body: string;
  event: string | undefined;
  delivery: string | undefined;
  signature: string | undefined;
  /** The status it was answered with; undefined while held or when the connection went away unanswered. */
  answered?: number;
  json: { id: string; type: string; createdAt: string; site: string; data: Record<string, unknown> };
}

/** What the receiver does with the next request: answer a status, or hold it (never answer, until released). */
export type Behaviour = number | 'hang';

/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests: answers 2xx by default, or what
 * `plan` says for the next requests (500, hang past the timeout), can go away (close,
 * connections refused) and come back on the same port. Counts TCP connections.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  connections = 0;
  /** Behaviours for the next requests, in order; after them, `otherwise`. */
  readonly plan: Behaviour[] = [];
  otherwise: Behaviour = 200;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private held: http.ServerResponse[] = [];
  private waiters: Array<() => void> = [];
  port = 0;

  static async start(port = 0): Promise<WebhookReceiver> {
    const r = new WebhookReceiver();
    await r.listen(port);
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/kommentarer`;
  }

  async listen(port = this.port): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Received['json'];
        try {
          json = JSON.parse(body);
        } catch {
          json = { id: '', type: '', createdAt: '', site: '', data: {} };
        }
        const entry: Received = {
          body,
          event: req.headers['kommentarer-event'] as string | undefined,
          delivery: req.headers['kommentarer-delivery'] as string | undefined,
          signature: req.headers['kommentarer-signature'] as string | undefined,
          json,
        };
        this.received.push(entry);
        const behaviour = this.plan.length ? this.plan.shift()! : this.otherwise;
        if (behaviour === 'hang') this.held.push(res);
        else {
          res.statusCode = behaviour;
          res.end('ok');
          entry.answered = behaviour;
        }
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    server.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Goes away: stops listening and drops every connection (held requests too). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.held = [];
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `check` holds over what was received. */
  async until(check: (received: Received[]) => boolean, timeoutMs = 15_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`receiver: condition not met in ${timeoutMs} ms (got ${this.received.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  /** Requests for one event id. */
  of(eventId: string): Received[] {
    return this.received.filter((r) => r.json.id === eventId);
  }
}
