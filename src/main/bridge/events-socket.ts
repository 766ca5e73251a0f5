import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEvents } from '../api/events';

/** Pushes every ApiEvents event to each connected page as `{ event, payload }`; pages send nothing. */
export class EventsSocket {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });

  constructor(private readonly events: ApiEvents) {}

  /**
   * Completes an upgrade the caller has already checked (path, Host, Origin, token or session). With
   * `isLive` (team mode), the socket is closed instead of sent an event once its session has ended.
   */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer, isLive?: () => boolean): void {
    this.server.handleUpgrade(request, socket, head, (client) => this.attach(client, isLive));
  }

  private attach(client: WebSocket, isLive?: () => boolean): void {
    const unsubscribe = this.events.onAny((event, payload) => {
      if (client.readyState !== client.OPEN) return;
      if (isLive && !isLive()) return void client.close(1008, 'The session has ended; sign in again.');
      client.send(JSON.stringify({ event, payload }));
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
