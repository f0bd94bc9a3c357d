import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig } from '../../src/config.js';
import { IngestGate, LARGE_BODY_BYTES } from '../../src/http/ingestGate.js';
import { SourceRateLimiter } from '../../src/http/rateLimit.js';

describe('HTTP limit configuration', () => {
  it('has deliberate defaults', () => {
    const { http } = loadConfig({});
    expect(http).toEqual(DEFAULTS.http);
    // A slow body cannot hold a socket much past Exotel's 15 s, yet 10 MB at ~2.7 Mbit/s fits.
    expect(http.requestTimeoutMs).toBeGreaterThanOrEqual(20_000);
    expect(http.requestTimeoutMs).toBeLessThanOrEqual(30_000);
    expect(http.headersTimeoutMs).toBeLessThanOrEqual(http.requestTimeoutMs);
    // One Exotel source may serve many accounts: at least 100 at once, 600 a minute.
    expect(http.rateLimitBurst).toBeGreaterThanOrEqual(100);
    expect(http.rateLimitPerMinute).toBeGreaterThanOrEqual(600);
    expect(http.maxConcurrentLargeIngests).toBeGreaterThanOrEqual(2);
    expect(http.maxConcurrentLargeIngests).toBeLessThanOrEqual(4);
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        HEADERS_TIMEOUT_MS: '2000',
        REQUEST_TIMEOUT_MS: '3000',
        KEEP_ALIVE_TIMEOUT_MS: '1000',
        MAX_HEADER_BYTES: '8192',
        MAX_CONNECTIONS: '50',
        MAX_CONNECTIONS_PER_SOURCE: '5',
        RATE_LIMIT_PER_MINUTE: '0',
        RATE_LIMIT_BURST: '5',
        MAX_CONCURRENT_LARGE_INGESTS: '1',
      }).http,
    ).toEqual({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 3000,
      keepAliveTimeoutMs: 1000,
      maxHeaderBytes: 8192,
      maxConnections: 50,
      maxConnectionsPerSource: 5,
      rateLimitPerMinute: 0,
      rateLimitBurst: 5,
      maxConcurrentLargeIngests: 1,
    });
  });

  it.each([
    ['HEADERS_TIMEOUT_MS', '10s'],
    ['HEADERS_TIMEOUT_MS', '10'],
    ['MAX_HEADER_BYTES', '100'],
    ['MAX_CONNECTIONS', '0'],
    ['RATE_LIMIT_BURST', '0'],
    ['MAX_CONCURRENT_LARGE_INGESTS', '0'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('refuses a REQUEST_TIMEOUT_MS below HEADERS_TIMEOUT_MS (Node would throw)', () => {
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '4000' })).toThrow(
      'REQUEST_TIMEOUT_MS',
    );
    expect(loadConfig({ HEADERS_TIMEOUT_MS: '60000' }).http.requestTimeoutMs).toBe(60_000);
  });
});

describe('SourceRateLimiter (injected time)', () => {
  it('lets a burst through, then the per-minute rate, per source', () => {
    const limiter = new SourceRateLimiter(600, 100);
    for (let i = 0; i < 100; i++) expect(limiter.take('10.0.0.1', 0)).toBe(0);
    const wait = limiter.take('10.0.0.1', 0);
    expect(wait).toBe(100); // 600/min: one every 100 ms
    expect(limiter.take('10.0.0.2', 0)).toBe(0); // another source is untouched
    expect(limiter.take('10.0.0.1', 99)).toBeGreaterThan(0);
    expect(limiter.take('10.0.0.1', 100)).toBe(0);
    // A minute later the burst is back in full.
    for (let i = 0; i < 100; i++) expect(limiter.take('10.0.0.1', 60_100)).toBe(0);
    expect(limiter.take('10.0.0.1', 60_100)).toBeGreaterThan(0);
  });

  it('is off at 0 per minute', () => {
    const limiter = new SourceRateLimiter(0, 1);
    for (let i = 0; i < 1000; i++) expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.trackedSources).toBe(0);
  });

  it('remembers a bounded number of sources, forgetting the least recently seen', () => {
    const limiter = new SourceRateLimiter(60, 1, 3);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('c', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBeGreaterThan(0); // a is now the most recent
    expect(limiter.take('d', 0)).toBe(0); // evicts b
    expect(limiter.trackedSources).toBe(3);
    expect(limiter.take('a', 0)).toBeGreaterThan(0); // still limited: kept
    expect(limiter.take('b', 0)).toBe(0); // forgotten: a fresh bucket
    expect(limiter.trackedSources).toBe(3);
  });
});

describe('IngestGate', () => {
  it('bounds large and unknown-length bodies, never small ones', () => {
    const gate = new IngestGate(2);
    const big = String(LARGE_BODY_BYTES + 1);
    const first = gate.enter(big);
    const second = gate.enter(undefined); // chunked: unknown length counts as large
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(gate.enter(big)).toBeNull();
    expect(gate.enter('garbage')).toBeNull();
    for (let i = 0; i < 100; i++) expect(gate.enter(String(LARGE_BODY_BYTES))).not.toBeNull();
    expect(gate.inFlight).toBe(2);
    first?.();
    first?.(); // releasing twice frees one slot only
    expect(gate.inFlight).toBe(1);
    expect(gate.enter(big)).not.toBeNull();
    expect(gate.enter(big)).toBeNull();
  });
});
