import { keyedHash } from '../src/infra/keyed-hash';
import { subjectRef } from '../src/modules/privacy/subject-ref';

describe('the keyed hash', () => {
  it('when the RFC 4231 test vector is hashed, then the result is its HMAC-SHA256 in base64url', () => {
    const expected = Buffer.from('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'hex').toString(
      'base64url',
    );
    expect(keyedHash('Jefe', 'what do ya want for nothing?')).toBe(expected);
  });

  it('when a value is hashed, then the result is 43 base64url characters without padding and without the value', () => {
    const hash = keyedHash('a-secret', '203.0.113.77');
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('203.0.113.77');
  });

  it('when the secret or the value differs, then so does the hash; the same pair gives the same hash', () => {
    expect(keyedHash('a-secret', 'x')).toBe(keyedHash('a-secret', 'x'));
    expect(keyedHash('a-secret', 'x')).not.toBe(keyedHash('another-secret', 'x'));
    expect(keyedHash('a-secret', 'x')).not.toBe(keyedHash('a-secret', 'y'));
  });
});

describe('the pseudonymous subject reference', () => {
  it('when a reference is computed, then it is the one computed before (stored bans and erasure requests keep matching their subject)', () => {
    expect(subjectRef('test-ip-hash-secret-0123456789', 'demo', 'host-user-42')).toBe(
      'vtACQmGlS1Ec9844WadBOSTUP0_wXT857TuYSbHk4oU',
    );
  });

  it('when one host user id is on two sites, then the references differ, so sites cannot be linked by them', () => {
    expect(subjectRef('s', 'site-a', 'user-1')).not.toBe(subjectRef('s', 'site-b', 'user-1'));
  });

  it('when the same secret hashes IP addresses and rate-limit keys, then a subject reference is never the plain hash of the user id', () => {
    expect(subjectRef('s', 'site-a', 'user-1')).not.toBe(keyedHash('s', 'user-1'));
  });
});
