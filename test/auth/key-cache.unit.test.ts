import { ActiveKeyCache, type ActiveKey } from '../../src/auth/auth.cache';

const key = (id: string): ActiveKey => ({
  id,
  name: id,
  role: 'read',
  credential: 'api-key',
  keyHash: Buffer.alloc(32, id),
});

/**
 * A cache over a mutable list of keys and its access version, counting version checks and loads, on a
 * clock the test moves. `change` stands for any process changing the keys: the version moves with them.
 */
function fixture(ttlMs: number) {
  const state = { keys: [key('a')], version: 1 as number | null, checks: 0, loads: 0, clock: 0, down: false };
  const cache = new ActiveKeyCache(
    {
      version: () => {
        state.checks += 1;
        if (state.down) return Promise.reject(new Error('database unreachable'));
        return Promise.resolve(state.version === null ? null : String(state.version));
      },
      load: () => {
        state.loads += 1;
        return Promise.resolve({
          version: state.version === null ? null : String(state.version),
          keys: [...state.keys],
          devices: new Map(),
        });
      },
    },
    ttlMs,
    () => state.clock,
  );
  const change = (keys: ActiveKey[]) => {
    state.keys = keys;
    state.version = (state.version ?? 0) + 1;
  };
  return { state, cache, change, ids: async () => [...(await cache.current()).byHash.values()].map((k) => k.id) };
}

describe('ActiveKeyCache', () => {
  it('serves requests from memory until the copy is ttl old, then sees a change made elsewhere', async () => {
    const { state, change, ids } = fixture(500);
    expect(await ids()).toEqual(['a']);
    change([]); // revoked by another process
    state.clock = 499;
    expect(await ids()).toEqual(['a']);
    expect([state.checks, state.loads]).toEqual([0, 1]);
    state.clock = 500;
    expect(await ids()).toEqual([]);
    expect([state.checks, state.loads]).toEqual([1, 2]);
  });

  it('a stale copy whose version has not moved is kept after one version check, for another ttl', async () => {
    const { state, ids } = fixture(500);
    await ids();
    state.clock = 600;
    expect(await ids()).toEqual(['a']);
    expect([state.checks, state.loads]).toEqual([1, 1]);
    state.clock = 1_099;
    await ids();
    expect(state.checks).toBe(1);
    state.clock = 1_100;
    await ids();
    expect([state.checks, state.loads]).toEqual([2, 1]);
  });

  it('concurrent requests on a stale copy share one check and one load', async () => {
    const { state, cache, change } = fixture(1_000);
    await cache.current();
    change([key('b')]);
    state.clock = 1_000;
    await Promise.all(Array.from({ length: 20 }, () => cache.current()));
    expect([state.checks, state.loads]).toEqual([1, 2]);
  });

  it('invalidate() makes the next request reload, and a load begun before it cannot reinstate old keys', async () => {
    const { state, cache, ids } = fixture(60_000);
    const before = cache.current();
    state.keys = [key('a'), key('b')];
    cache.invalidate();
    expect((await before).byHash.size).toBe(1);
    expect(await ids()).toEqual(['a', 'b']);
  });

  it('with a ttl of 0 every request asks whether the keys changed', async () => {
    const { state, change, ids } = fixture(0);
    await ids();
    await ids();
    expect([state.checks, state.loads]).toEqual([1, 1]);
    change([]);
    expect(await ids()).toEqual([]);
    expect([state.checks, state.loads]).toEqual([2, 2]);
  });

  it('a check the database cannot answer fails that request; the next one checks again', async () => {
    const { state, change, cache, ids } = fixture(500);
    await ids();
    change([]);
    state.down = true;
    state.clock = 500;
    await expect(cache.current()).rejects.toThrow('database unreachable');
    state.down = false;
    expect(await ids()).toEqual([]);
  });

  it('without a version to compare (its row gone), every check reads the keys again', async () => {
    const { state, ids } = fixture(500);
    state.version = null;
    await ids();
    state.keys = [];
    state.clock = 500;
    expect(await ids()).toEqual([]);
    expect(state.loads).toBe(2);
  });
});
