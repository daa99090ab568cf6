import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** The client address of a request (HTTP or WebSocket upgrade). */
export type ClientIpResolver = (req: IncomingMessage) => string | null;

/** Most X-Forwarded-For hops looked at: a proxy chain is short, a forged header may not be. */
const MAX_HOPS = 32;

/** `::ffff:10.0.0.1` is 10.0.0.1: one client, one key, whichever socket family it came in on. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function trustList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(normalize(address), family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

/**
 * Resolves client addresses. With no trusted proxies (TRUST_PROXY unset) the client is the
 * socket's peer and X-Forwarded-For is ignored, so a spoofed header changes nothing. With
 * trusted proxies, the chain peer ← X-Forwarded-For (right to left) is walked while the hop is
 * trusted; the client is the right-most address that is not. A hop that is not an address
 * stops the walk at the trusted proxy that reported it.
 */
export function clientIpResolver(trusted: readonly string[]): ClientIpResolver {
  if (trusted.length === 0)
    return (req) => (req.socket.remoteAddress ? normalize(req.socket.remoteAddress) : null);
  const list = trustList(trusted);
  const isTrusted = (address: string) => list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  return (req) => {
    const peer = req.socket.remoteAddress;
    if (!peer) return null;
    let client = normalize(peer);
    const header = req.headers['x-forwarded-for'];
    if (!isTrusted(client) || typeof header !== 'string') return client;
    const hops = header.split(',').slice(-MAX_HOPS);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalize(hops[i]!.trim());
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!isTrusted(hop)) return hop;
    }
    return client;
  };
}
