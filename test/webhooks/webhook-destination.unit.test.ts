import type { LookupAddress } from 'node:dns';
import { isPublicAddress, publicOnlyLookup, RefusedAddressError } from '../../src/webhooks/webhook-destination';

describe('a public address', () => {
  it.each(['1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8', '::ffff:808:808'])(
    '%s is one',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it.each([
    ['loopback', '127.0.0.1'],
    ['private', '10.1.2.3'],
    ['shared', '100.64.0.1'],
    ['metadata', '169.254.169.254'],
    ['documentation', '192.0.2.1'],
    ['this network', '0.0.0.0'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-compatible loopback', '::7f00:1'],
    ['IPv4-compatible loopback, dotted', '::127.0.0.1'],
    ['IPv4-compatible, even of a public address', '::8.8.8.8'],
    ['6to4 of loopback', '2002:7f00:1::'],
    ['SIIT of loopback', '::ffff:0:7f00:1'],
    ['NAT64 of loopback', '64:ff9b::7f00:1'],
    ['site-local', 'fec0::1'],
    ['link-local with a zone', 'fe80::1%eth0'],
    ['unique local', 'fd00::1'],
    ['not an address', 'hooks.example.com'],
  ])('%s (%s) is not', (_kind, address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});

describe('the lookup of the delivery agents', () => {
  const lookup = (hostname: string) =>
    new Promise<{ error: Error | null; addresses: LookupAddress[] }>((resolve) =>
      publicOnlyLookup(hostname, { all: true }, (error, addresses) =>
        resolve({ error, addresses: addresses as LookupAddress[] }),
      ),
    );

  it('refuses a name that resolves to an address that is not public', async () => {
    for (const name of ['localhost', '::7f00:1']) {
      const { error } = await lookup(name);
      expect(error).toBeInstanceOf(RefusedAddressError);
      expect(error?.message).toMatch(/not a public address/);
    }
  });

  it('passes a public one on', async () => {
    expect(await lookup('8.8.8.8')).toEqual({ error: null, addresses: [{ address: '8.8.8.8', family: 4 }] });
  });
});
