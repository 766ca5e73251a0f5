import net from 'node:net';
import os from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Whether an address to listen on is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (bare.startsWith('::ffff:')) return isLoopback(bare.slice('::ffff:'.length));
  return net.isIPv4(bare) && bare.startsWith('127.');
}

/** `host:port` as it appears in a Host header and in a URL (IPv6 literals in brackets). */
export function hostPort(host: string, port: number): string {
  return `${net.isIPv6(host) ? `[${host}]` : host}:${port}`.toLowerCase();
}

/** The address a person opens in a browser for a server listening on `host`. */
export function displayHost(host: string): string {
  if (!WILDCARDS.has(host)) return host;
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((address) => address && !address.internal && address.family === 'IPv4');
  return external?.address ?? '127.0.0.1';
}

/**
 * The Host headers the bridge answers, against DNS rebinding: a page on a hostile domain that
 * re-resolves to this machine still sends its own domain as Host and is refused. A server listening on
 * every interface answers the literal addresses of this machine's interfaces (looked up per request,
 * since they change with the network) and localhost.
 */
export function allowedHosts(host: string, port: number): () => Set<string> {
  const own = (names: string[]) => new Set(names.map((name) => hostPort(name, port)));
  if (WILDCARDS.has(host)) {
    return () =>
      own([
        'localhost',
        ...Object.values(os.networkInterfaces())
          .flat()
          .flatMap((address) => (address ? [address.address] : [])),
      ]);
  }
  const fixed = isLoopback(host) ? own([host, 'localhost', '127.0.0.1']) : own([host]);
  return () => fixed;
}
