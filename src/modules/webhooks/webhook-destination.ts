import dns from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';

/**
 * Where a webhook may send. In production a destination must be https and every address
 * its name resolves to must be public: a webhook URL is typed in by a site admin, and
 * without this check it would let them make the service call its own network (the
 * database, Redis, a cloud's metadata service at 169.254.169.254). The check runs when the
 * webhook is saved and again before every delivery, and the delivery connects to the
 * address that was checked (pinnedAgent), so a name that resolves to a public address for
 * the check and to a private one a moment later (DNS rebinding) gains nothing.
 * WEBHOOK_ALLOW_PRIVATE_ADDRESSES lets an operator send to their own network on purpose.
 */
export interface DestinationPolicy {
  production: boolean;
  allowPrivateAddresses: boolean;
}

export type DestinationProblem = 'invalid' | 'scheme' | 'credentials' | 'private_address' | 'unresolvable';

export class DestinationRefused extends Error {
  override readonly name = 'DestinationRefused';
  constructor(
    readonly problem: DestinationProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Longest URL accepted: enough for any real endpoint, small enough to store and log safely. */
export const MAX_URL_LENGTH = 2048;

/** The URL as a delivery target, or DestinationRefused; no network is used. */
export function parseDestination(raw: string, policy: DestinationPolicy): URL {
  let url: URL;
  try {
    if (raw.length > MAX_URL_LENGTH) throw new Error('too long');
    url = new URL(raw);
  } catch {
    throw new DestinationRefused('invalid', `not an absolute URL of at most ${MAX_URL_LENGTH} characters`);
  }
  const schemes = policy.production ? ['https:'] : ['https:', 'http:'];
  if (!schemes.includes(url.protocol))
    throw new DestinationRefused('scheme', policy.production ? 'must be https' : 'must be http or https');
  if (url.username || url.password)
    throw new DestinationRefused('credentials', 'must not hold a user name or password');
  if (url.hash) throw new DestinationRefused('invalid', 'must not have a fragment');
  if (!url.hostname) throw new DestinationRefused('invalid', 'must name a host');
  return url;
}

/** The address ranges a delivery may go to without WEBHOOK_ALLOW_PRIVATE_ADDRESSES: the public internet. */
function isPublic(address: string): boolean {
  // process() turns an IPv4-mapped IPv6 address (::ffff:10.0.0.1) into the IPv4 one it carries.
  return ipaddr.process(address).range() === 'unicast';
}

export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/** How names are resolved; dns.lookup (the system's resolver, /etc/hosts included) unless a test says otherwise. */
export type Resolver = (hostname: string) => Promise<CheckedAddress[]>;

const systemResolver: Resolver = async (hostname) =>
  (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/**
 * Resolves the destination's host and returns the address to connect to. Outside a
 * private-address allowance, a name with any non-public address is refused, not only
 * one whose first answer is: the resolver's order is not ours to trust.
 */
export async function checkDestination(
  url: URL,
  policy: DestinationPolicy,
  resolve: Resolver = systemResolver,
): Promise<CheckedAddress> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: CheckedAddress[];
  if (ipaddr.isValid(host)) {
    addresses = [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) throw new DestinationRefused('unresolvable', 'the host name does not resolve');
  }
  if (!policy.allowPrivateAddresses && !addresses.every((a) => isPublic(a.address)))
    throw new DestinationRefused('private_address', 'resolves to a loopback, private, link-local or reserved address');
  return addresses[0]!;
}

/**
 * An undici dispatcher for one delivery that connects to `checked` whatever the name
 * resolves to now. TLS still verifies the certificate against the URL's host name (SNI
 * and the check use the name, not the address).
 */
export function pinnedAgent(checked: CheckedAddress, timeoutMs: number): Agent {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: checked.address, family: checked.family }]);
    else callback(null, checked.address, checked.family);
  };
  return new Agent({
    connect: { lookup, timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    // No keep-alive: one delivery, one connection; nothing pinned outlives the check that allowed it.
    pipelining: 0,
  });
}
