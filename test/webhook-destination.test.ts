import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import {
  checkDestination,
  DestinationRefused,
  parseDestination,
  pinnedAgent,
  Resolver,
} from '../src/modules/webhooks/webhook-destination';

const production = { production: true, allowPrivateAddresses: false };
const development = { production: false, allowPrivateAddresses: false };
const allowed = { production: true, allowPrivateAddresses: true };

async function problemOf(work: () => unknown): Promise<string | undefined> {
  try {
    await work();
    return undefined;
  } catch (err) {
    if (err instanceof DestinationRefused) return err.problem;
    throw err;
  }
}

/** A resolver answering from a table: the names in these tests never reach DNS. */
const table =
  (answers: Record<string, string[]>): Resolver =>
  async (hostname) =>
    (answers[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

/** A loopback HTTP receiver that counts connections and records what it got. */
async function receiver(): Promise<{
  port: number;
  connections: () => number;
  bodies: string[];
  close: () => Promise<void>;
}> {
  let connections = 0;
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += String(chunk)));
    req.on('end', () => {
      bodies.push(`${req.headers.host} ${body}`);
      res.end('ok');
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('webhook destinations', () => {
  it('when the URL is not https in production, holds credentials or a fragment, or is not a URL, then it is refused before any lookup', async () => {
    expect(await problemOf(() => parseDestination('http://hooks.example.org/x', production))).toBe('scheme');
    expect(await problemOf(() => parseDestination('ftp://hooks.example.org/x', development))).toBe('scheme');
    expect(await problemOf(() => parseDestination('https://u:p@hooks.example.org/x', production))).toBe('credentials');
    expect(await problemOf(() => parseDestination('https://hooks.example.org/x#y', production))).toBe('invalid');
    expect(await problemOf(() => parseDestination('hooks.example.org/x', production))).toBe('invalid');
    expect(await problemOf(() => parseDestination(`https://hooks.example.org/${'a'.repeat(2100)}`, production))).toBe(
      'invalid',
    );
    expect(parseDestination('http://hooks.example.org/x', development).href).toBe('http://hooks.example.org/x');
    expect(parseDestination('https://hooks.example.org/x?a=1', production).href).toBe(
      'https://hooks.example.org/x?a=1',
    );
  });

  it.each([
    ['loopback', 'https://127.0.0.1/x'],
    ['private', 'https://10.1.2.3/x'],
    ['cloud metadata (link-local)', 'https://169.254.169.254/latest/meta-data'],
    ['carrier-grade NAT', 'https://100.64.0.1/x'],
    ['unspecified', 'https://0.0.0.0/x'],
    ['IPv6 loopback', 'https://[::1]/x'],
    ['IPv6 unique local (AWS metadata)', 'https://[fd00:ec2::254]/x'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/x'],
    ['documentation range', 'https://192.0.2.10/x'],
  ])('when the address is %s, then production refuses it', async (_kind, raw) => {
    expect(await problemOf(() => checkDestination(parseDestination(raw, production), production))).toBe(
      'private_address',
    );
  });

  it('when a name resolves to public addresses only, then it is allowed; when any of its addresses is private, then it is refused', async () => {
    const resolve = table({
      'hooks.example.org': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
      'rebind.example.org': ['93.184.215.14', '10.0.0.5'],
    });
    const url = parseDestination('https://hooks.example.org/x', production);
    expect(await checkDestination(url, production, resolve)).toEqual({ address: '93.184.215.14', family: 4 });
    const mixed = parseDestination('https://rebind.example.org/x', production);
    expect(await problemOf(() => checkDestination(mixed, production, resolve))).toBe('private_address');
    const unknown = parseDestination('https://nowhere.example.org/x', production);
    expect(await problemOf(() => checkDestination(unknown, production, resolve))).toBe('unresolvable');
  });

  it('when the system resolver names localhost, then production refuses it and the receiver on that port sees no connection', async () => {
    const target = await receiver();
    try {
      const url = parseDestination(`https://localhost:${target.port}/hook`, production);
      expect(await problemOf(() => checkDestination(url, production))).toBe('private_address');
      expect(target.connections()).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('when private addresses are allowed, then the delivery connects to the address that was checked, whatever the name resolves to', async () => {
    const target = await receiver();
    try {
      // A name no resolver knows: only the pinned, checked address can reach the receiver.
      const url = parseDestination(`http://hooks.invalid:${target.port}/hook`, development);
      const checked = await checkDestination(url, allowed, table({ 'hooks.invalid': ['127.0.0.1'] }));
      const agent = pinnedAgent(checked, 5000);
      try {
        const res = await request(url, { method: 'POST', body: '{"id":"evt_1"}', dispatcher: agent });
        expect(res.statusCode).toBe(200);
        expect(await res.body.text()).toBe('ok');
      } finally {
        await agent.close();
      }
      expect(target.bodies).toEqual([`hooks.invalid:${target.port} {"id":"evt_1"}`]);
      expect(target.connections()).toBe(1);
    } finally {
      await target.close();
    }
  });
});
