import { isOnOrigins } from '../src/shared/site-origins';

const ORIGINS = ['https://www.example.se', 'http://localhost:8080'];

describe("addresses on a site's origins", () => {
  it('when an address has the scheme, host and port of an origin, then it is on it, whatever its path, query or letter case', () => {
    for (const url of [
      'https://www.example.se/artikel/1',
      'https://www.example.se',
      'https://WWW.Example.SE/a?b=1#c',
      'http://localhost:8080/x',
    ]) {
      expect([url, isOnOrigins(url, ORIGINS)]).toEqual([url, true]);
    }
  });

  it('when an address writes out the default port, then it counts as the origin without one', () => {
    expect(isOnOrigins('https://www.example.se:443/artikel', ORIGINS)).toBe(true);
    expect(isOnOrigins('http://blogg.example.se:80/artikel', ['http://blogg.example.se'])).toBe(true);
  });

  it('when an address differs in scheme, port or host, or only looks like the origin, then it is not on it', () => {
    for (const url of [
      'http://www.example.se/artikel',
      'https://www.example.se:8443/artikel',
      'https://example.se/artikel',
      'https://www.example.se.evil.example/artikel',
      'https://www.example.se@evil.example/artikel',
      'http://localhost/x',
    ]) {
      expect([url, isOnOrigins(url, ORIGINS)]).toEqual([url, false]);
    }
  });

  it('when an address is not an http(s) URL at all, then it is on no origin', () => {
    for (const url of [
      'javascript:alert(1)',
      'data:text/html,hej',
      'ftp://www.example.se/',
      '/artikel/1',
      'www.example.se/artikel',
      '',
    ]) {
      expect([url, isOnOrigins(url, ORIGINS)]).toEqual([url, false]);
    }
  });

  it('when a site has no origins, or only malformed ones, then no address is on them', () => {
    expect(isOnOrigins('https://www.example.se/', [])).toBe(false);
    expect(isOnOrigins('https://www.example.se/', ['not an origin', 'javascript:alert(1)'])).toBe(false);
  });
});
