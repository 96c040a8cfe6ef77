import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { connect } from '../helpers/sockets';

describe('HTTP hardening', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({
      config: { REST_RATE_PER_MIN: 30, HANDSHAKE_RATE_PER_S: 2, CORS_ORIGINS: ['https://ops.example.com'] },
    });
  });
  afterAll(() => hub.destroy());

  it('sends security headers, including a content security policy for the dashboard', async () => {
    const res = await fetch(`${hub.url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('allows configured origins only', async () => {
    const allowed = await fetch(`${hub.url}/api/runtimes`, {
      method: 'OPTIONS',
      headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'GET' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    const other = await fetch(`${hub.url}/api/runtimes`, {
      headers: { origin: 'https://evil.example.com', authorization: `Bearer ${hub.memberToken}` },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits socket handshakes per address with rate_limited', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => connect(hub.url, '/dashboard', hub.memberToken)),
    );
    const refused = outcomes
      .filter((o) => o.status === 'rejected')
      .map((o) => (o as PromiseRejectedResult).reason.message);
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set(['rate_limited']));
    for (const o of outcomes) if (o.status === 'fulfilled') o.value.close();
  });

  it('limits REST requests per address with 429 and the contract error body, sparing health checks', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => rest(`${hub.url}/api/runtimes`, { token: hub.memberToken })),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(limited[0]!.body).toEqual({ error: expect.any(String), code: 'rate_limited' });
    expect((await rest(`${hub.url}/healthz`)).status).toBe(200);
  });
});
