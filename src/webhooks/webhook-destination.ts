import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * IPv4-compatible IPv6 addresses (`::a.b.c.d`, RFC 4291, deprecated): ipaddr.js counts them as unicast,
 * yet a stack with the old automatic tunnels carries them to the IPv4 address inside, `::7f00:1` to
 * 127.0.0.1, and nothing public has one.
 */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/**
 * Whether a webhook may connect to this address without WEBHOOK_ALLOW_PRIVATE: only a public unicast
 * one, classified as request-filtering-agent classifies the addresses it connects to (ipaddr.js'
 * `range()`), so loopback, private, shared, link-local (cloud metadata services), reserved, multicast,
 * the 6to4, Teredo, NAT64 and SIIT translations and the rest are refused. An IPv4-mapped address is
 * judged as the IPv4 address it is, so `::ffff:8.8.8.8` passes and `::ffff:127.0.0.1` does not;
 * IPv4-compatible ones are refused outright.
 */
export function isPublicAddress(address: string): boolean {
  // A zone (`fe80::1%eth0`) names an interface; the address alone says where it leads.
  const text = address.replace(/%.*$/, '');
  const family = isIP(text);
  if (family === 0) return false;
  // ipaddr.js reads a dotted tail after `::` as IPv4-mapped; the WHATWG form never writes one.
  let parsed = ipaddr.parse(family === 6 ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text);
  if (parsed instanceof ipaddr.IPv6) {
    if (parsed.isIPv4MappedAddress()) parsed = parsed.toIPv4Address();
    else if (parsed.match(IPV4_COMPATIBLE)) return false;
  }
  return parsed.range() === 'unicast';
}

/**
 * Whether the URL's host is an address that is not public, written out, or a name that is loopback by
 * definition (RFC 6761): refused when an endpoint is added or changed, and before any connection.
 */
export function namesPrivateHost(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (isIP(host) !== 0) return !isPublicAddress(host);
  return host === 'localhost' || host.endsWith('.localhost');
}

/** A name that resolved to an address a webhook may not reach. */
export class RefusedAddressError extends Error {}

/**
 * dns.lookup for the delivery agents: refuses a name any of whose addresses is not public, by the
 * rule above, before the agent's own check (which lets IPv4-compatible addresses through) sees them.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find(({ address }) => !isPublicAddress(address));
    if (refused) {
      return callback(
        new RefusedAddressError(`${hostname} resolves to ${refused.address}, not a public address`),
        '',
        0,
      );
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};
