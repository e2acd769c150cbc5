import { bearerToken, loggablePath } from '../src/http/request-context';

describe('paths fit for logs', () => {
  it('when a path has a query string, then it is dropped (it may hold receipt tokens)', () => {
    expect(loggablePath('/api/v1/erasure-requests/abc?receipt=hemlig-kvittens')).toBe('/api/v1/erasure-requests/abc');
    expect(loggablePath('/api/v1/sites/demo/comments?thread=t&token=x')).toBe('/api/v1/sites/demo/comments');
  });

  it('when a path names a host user id, then the id is replaced by :sub', () => {
    expect(loggablePath('/api/v1/sites/demo/moderation/users/host-user-42/ban')).toBe(
      '/api/v1/sites/demo/moderation/users/:sub/ban',
    );
    expect(loggablePath('/api/v1/sites/demo/moderation/users/anna%40example.se/ban?x=1')).toBe(
      '/api/v1/sites/demo/moderation/users/:sub/ban',
    );
    expect(loggablePath('/api/v1/sites/demo/moderation/users/host-user-42')).toBe(
      '/api/v1/sites/demo/moderation/users/:sub',
    );
  });

  it('when a path holds nothing personal, then it is kept as it is', () => {
    expect(loggablePath('/api/v1/sites/demo/thread')).toBe('/api/v1/sites/demo/thread');
    expect(loggablePath('/healthz')).toBe('/healthz');
  });
});

describe('bearer tokens', () => {
  const token = (authorization?: string) => bearerToken({ headers: { authorization } });

  it('when the header is Bearer and one token, in any case and with white space around, then that token is read', () => {
    expect(token('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(token('bearer   abc.def.ghi  ')).toBe('abc.def.ghi');
    expect(token('BEARER abc')).toBe('abc');
  });

  it('when there is no header, another scheme, no token or more than one, then there is no token', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'abc', 'Bearer a b', 'Token abc']) {
      expect([header, token(header)]).toEqual([header, null]);
    }
  });
});
