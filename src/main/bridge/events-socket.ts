import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEvents } from '../api/events';

/** Pushes every ApiEvents event to each connected page as `{ event, payload }`; pages send nothing. */
export class EventsSocket {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });

  constructor(private readonly events: ApiEvents) {}

  /** Completes an upgrade the caller has already checked (path, Host, Origin, token). */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.server.handleUpgrade(request, socket, head, (client) => this.attach(client));
  }

  private attach(client: WebSocket): void {
    const unsubscribe = this.events.onAny((event, payload) => {
      if (client.readyState === client.OPEN) client.send(JSON.stringify({ event, payload }));
    });
    client.on('close', unsubscribe);
    client.on('error', () => client.terminate());
  }

  /** Closes every connection ("going away": the page reconnects to the next bridge), cutting any that do not answer within a second. */
  async close(): Promise<void> {
    for (const client of this.server.clients) client.close(1001, 'Gradedesk is shutting down');
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const cut = setTimeout(() => this.server.clients.forEach((client) => client.terminate()), 1000);
    await closed;
    clearTimeout(cut);
  }
}
