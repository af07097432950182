/**
 * The client's address. `X-Forwarded-For` is believed only when the TCP peer is one of the
 * configured proxies (TRUST_PROXY): then the address is the right-most entry that is not
 * itself a trusted proxy (the left part of the header is whatever the client wrote).
 * Without TRUST_PROXY the header is ignored — a forged one cannot buy a fresh sign-in budget.
 */
import net from 'node:net';
import { networkMatcher } from '../config.ts';

const normalize = (address: string): string => {
  const a = address.trim().replace(/^\[|\]$/g, '');
  return a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a;
};

export type ClientAddress = (peer: string | undefined | null, forwardedFor: string | undefined | null) => string | null;

export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddress {
  const trusted = trustedProxies.length ? networkMatcher(trustedProxies) : null;
  const isTrusted = (a: string): boolean => {
    if (!trusted) return false;
    const family = net.isIPv4(a) ? 'ipv4' : net.isIPv6(a) ? 'ipv6' : null;
    return family !== null && trusted.check(a, family);
  };
  return (peer, forwardedFor) => {
    const direct = peer ? normalize(peer) : null;
    if (!direct || !isTrusted(direct) || !forwardedFor) return direct;
    const hops = forwardedFor
      .split(',')
      .map(normalize)
      .filter((a) => net.isIP(a) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(hops[i]!)) return hops[i]!;
    return hops[0] ?? direct;
  };
}
