import { backoffMs, judge, retryAfterMs } from '../../src/webhooks/webhook-outcome';

describe('the backoff', () => {
  it('doubles from the base with each failed attempt, up to an hour', () => {
    const none = () => 0;
    expect([1, 2, 3, 4, 5].map((attempt) => backoffMs(attempt, 5_000, none))).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000,
    ]);
    expect(backoffMs(11, 5_000, none)).toBe(3_600_000);
    expect(backoffMs(1_000, 5_000, none)).toBe(3_600_000);
  });

  it('is cut by up to a quarter at random, never lengthened', () => {
    expect(backoffMs(3, 1_000, () => 1)).toBe(3_000);
    expect(backoffMs(50, 1_000, () => 1)).toBe(2_700_000);
    for (let i = 0; i < 200; i++) {
      const wait = backoffMs(4, 1_000);
      expect(wait).toBeGreaterThanOrEqual(6_000);
      expect(wait).toBeLessThanOrEqual(8_000);
    }
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-02-09T10:00:00Z');
  it.each([
    ['120', 120_000],
    [' 7 ', 7_000],
    ['0', 0],
    ['Mon, 09 Feb 2026 10:05:00 GMT', 300_000],
    ['Monday, 09-Feb-26 10:00:30 GMT', 30_000],
    ['Mon Feb  9 10:01:00 2026', 60_000],
    ['Sun, 08 Feb 2026 10:00:00 GMT', 0],
  ])('%j asks for %i ms', (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });

  it.each([[undefined], [''], ['soon'], ['-5'], ['1.5'], ['2026-02-09T10:05:00Z'], ['Mon, 99 Foo 2026']])(
    '%j asks for nothing',
    (header) => {
      expect(retryAfterMs(header, now)).toBeUndefined();
    },
  );
});

describe('an answer', () => {
  const at = new Date();
  const judging = {
    attempt: 1,
    at,
    durationMs: 12,
    retryBaseMs: 1_000,
    timeoutMs: 15_000,
    retryUntil: new Date(Date.now() + 72 * 3_600_000),
  };
  const answered = (status: number, retryAfter?: string, excerpt = '') =>
    judge({ kind: 'answered', status, retryAfter, excerpt }, judging);

  it('in 2xx delivers; nothing else does', () => {
    for (const status of [200, 201, 202, 204, 299]) {
      expect(answered(status)).toEqual({
        outcome: 'delivered',
        record: { at, durationMs: 12, status, error: null, next: 'delivered', delayMs: 0 },
      });
    }
    for (const status of [100, 301, 304, 400, 404, 429, 500, 503]) expect(answered(status).record.next).toBe('retry');
  });

  it('410 Gone fails it for good', () => {
    expect(answered(410, undefined, 'no such hook')).toMatchObject({
      outcome: 'gone',
      record: { next: 'gone', status: 410, error: '410 Gone: no such hook' },
    });
  });

  it('with Retry-After is retried then, when that is later than the backoff, else after the backoff', () => {
    expect(answered(503, '3600').record).toMatchObject({ next: 'retry', delayMs: 3_600_000 });
    const soon = answered(429, '0').record.delayMs;
    expect(soon).toBeGreaterThanOrEqual(750);
    expect(soon).toBeLessThanOrEqual(1_000);
  });

  it.each([
    ['seconds', '9999999999'],
    ['an HTTP date', 'Fri, 31 Dec 9999 23:59:59 GMT'],
  ])('with a Retry-After in %s past the retry window waits until the window ends, and says why', (_form, header) => {
    const retryUntil = new Date(Date.now() + 3_600_000);
    const { outcome, record } = judge(
      { kind: 'answered', status: 503, retryAfter: header, excerpt: 'maintenance' },
      { ...judging, retryUntil },
    );
    expect(outcome).toBe('rejected');
    expect(record.next).toBe('retry');
    // Measured against the clock while judging: a few ms may have passed since retryUntil was set.
    expect(record.delayMs).toBeLessThanOrEqual(3_600_000);
    expect(record.delayMs).toBeGreaterThan(3_590_000);
    expect(record.error).toMatch(
      /^503 Service Unavailable: maintenance; Retry-After asked to wait \d+ s, longer than the 3600 s left of the retry window \(WEBHOOK_RETRY_HOURS\): one last attempt is made as it ends$/,
    );
  });

  it('is never retried after its window ends, however short the window left, and a Retry-After within it is honoured as is', () => {
    const soon = new Date(Date.now() + 10_000);
    const late = judge({ kind: 'timeout' }, { ...judging, attempt: 20, retryUntil: soon }).record;
    expect(late.delayMs).toBeLessThanOrEqual(10_000);
    expect(late.error).toBe('No complete answer within 15000 ms.');
    expect(answered(503, '60').record).toMatchObject({ delayMs: 60_000, error: '503 Service Unavailable' });
    const over = judge(
      { kind: 'answered', status: 429, retryAfter: '60', excerpt: '' },
      { ...judging, retryUntil: new Date(Date.now() - 1) },
    ).record;
    expect(over).toMatchObject({ delayMs: 0, error: '429 Too Many Requests' });
  });

  it('of a redirect says it was not followed', () => {
    expect(answered(301).record.error).toBe('301 Moved Permanently (redirects are not followed)');
  });

  it.each([
    [{ kind: 'timeout' } as const, 'timeout', 'No complete answer within 15000 ms.'],
    [{ kind: 'refused' } as const, 'refused', expect.stringMatching(/^Refused: .*WEBHOOK_ALLOW_PRIVATE/)],
    [
      { kind: 'failed', reason: 'connect ECONNREFUSED 10.0.0.1:443' } as const,
      'error',
      'connect ECONNREFUSED 10.0.0.1:443',
    ],
  ])('missing (%j) is retried after the backoff', (answer, outcome, error) => {
    expect(judge(answer, judging)).toEqual({
      outcome,
      record: { at, durationMs: 12, status: null, error, next: 'retry', delayMs: expect.any(Number) },
    });
  });

  it('cut short by this process stopping is due again at once', () => {
    expect(judge({ kind: 'interrupted' }, judging)).toMatchObject({
      outcome: 'error',
      record: { next: 'interrupted', delayMs: 0, status: null },
    });
  });
});
