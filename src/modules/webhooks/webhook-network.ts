import dns from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import type { AppConfig } from '../../../config/env';
import {
  CheckedAddress,
  checkDestination,
  DestinationPolicy,
  DestinationRefused,
  Resolver,
} from './webhook-destination';

/**
 * How this process reaches webhook receivers: the destination policy (https and public
 * addresses in production), how names are resolved, and which checked addresses it may
 * connect to. Built from the configuration (createWebhookNetwork); the tests may swap the
 * resolver on Services to play a name that changes its answer.
 */
export interface WebhookNetwork {
  policy: DestinationPolicy;
  resolve: Resolver;
  /** False for an address this process must never connect to (outside loopback under WEBHOOK_NETWORK=loopback). */
  mayConnect(address: CheckedAddress): boolean;
}

const systemResolver: Resolver = async (hostname) =>
  (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/**
 * Resolves `localhost` to 127.0.0.1 and nothing else, without asking any server: the
 * tests and the fuzz target use it, so that a URL a test or the fuzzer makes up never
 * leads to a DNS query (IP literals never reach a resolver: checkDestination takes them as
 * they are).
 */
export const loopbackResolver: Resolver = async (hostname) => {
  if (hostname.toLowerCase() === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
  throw new Error('not resolved: WEBHOOK_NETWORK=loopback');
};

function isLoopback(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'loopback';
}

export function createWebhookNetwork(
  config: Pick<AppConfig, 'NODE_ENV' | 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES' | 'WEBHOOK_NETWORK'>,
): WebhookNetwork {
  const loopbackOnly = config.WEBHOOK_NETWORK === 'loopback';
  const production = config.NODE_ENV === 'production';
  return {
    policy: {
      production,
      // Outside production any address goes (a receiver on the developer's own machine).
      allowPrivateAddresses: !production || config.WEBHOOK_ALLOW_PRIVATE_ADDRESSES === 'true',
    },
    resolve: loopbackOnly ? loopbackResolver : systemResolver,
    mayConnect: (address) => !loopbackOnly || isLoopback(address.address),
  };
}

/** checkDestination under the network's rules; the address to connect to, or DestinationRefused. */
export async function checkedAddressOf(url: URL, network: WebhookNetwork): Promise<CheckedAddress> {
  const checked = await checkDestination(url, network.policy, network.resolve);
  if (!network.mayConnect(checked))
    throw new DestinationRefused('unresolvable', 'outside loopback, which is all this process may reach');
  return checked;
}
