import { BlockList, isIP } from 'node:net';

/**
 * Address ranges no webhook may reach unless WEBHOOK_ALLOW_PRIVATE=true: this network, private, shared
 * (carrier-grade NAT), loopback, link-local (cloud metadata services), reserved, multicast, and their
 * IPv6 counterparts, IPv4-mapped addresses included. The deliverer's agent refuses them on the address
 * it connects to, whatever name led there; this list only refuses at once a URL that names one outright.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** Whether the URL's host is a private address written out, or a name that is loopback by definition (RFC 6761). */
export function namesPrivateHost(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  const family = isIP(host);
  if (family !== 0) return PRIVATE.check(host, family === 4 ? 'ipv4' : 'ipv6');
  return host === 'localhost' || host.endsWith('.localhost');
}
