/**
 * The client address used for per-address limits. Behind a reverse proxy every client shares the proxy's peer
 * address, so `X-Forwarded-For` is read, but only hop by hop through proxies listed in TRUST_PROXY: a client
 * cannot pick its own address by sending the header to a hub that does not sit behind that proxy.
 */
import { BlockList, isIP } from 'node:net';

/** True for an address the operator named as a proxy. */
export type IsTrustedProxy = (address: string) => boolean;

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** IPv4 addresses reach the server as `::ffff:a.b.c.d` on dual-stack sockets. */
const unmapped = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/** True for `a.b.c.d`, an IPv6 address, or either with a `/prefix`: what TRUST_PROXY may list. */
export function isAddressOrSubnet(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  if (extra !== undefined || isIP(address) === 0) return false;
  if (prefix === undefined) return true;
  const max = isIP(address) === 6 ? 128 : 32;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= max;
}

/**
 * A predicate over the listed proxies (addresses or subnets); nothing is trusted for an empty list.
 * @example trustedProxies(['10.0.0.0/8'])('10.1.2.3') // true
 */
export function trustedProxies(entries: readonly string[]): IsTrustedProxy {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    if (prefix === undefined) list.addAddress(address, family(address));
    else list.addSubnet(address, Number(prefix), family(address));
  }
  return (address) => {
    const plain = unmapped(address);
    return isIP(plain) !== 0 && list.check(plain, family(plain));
  };
}

/**
 * The address of the client: the peer, unless the peer is a trusted proxy, in which case the nearest
 * `X-Forwarded-For` entry not itself a trusted proxy (the leftmost when all are).
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  isTrusted: IsTrustedProxy,
): string {
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  const hops = header
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  let address = unmapped(peer);
  while (isTrusted(address) && hops.length > 0) address = unmapped(hops.pop()!);
  return address;
}
