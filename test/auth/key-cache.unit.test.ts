import { ActiveKeyCache, type ActiveKey } from '../../src/auth/auth.cache';

const key = (id: string): ActiveKey => ({ id, name: id, role: 'read', keyHash: Buffer.alloc(32, id) });

/** A cache over a mutable list of keys, counting loads, on a clock the test moves. */
function fixture(ttlMs: number) {
  const state = { keys: [key('a')], loads: 0, clock: 0 };
  const cache = new ActiveKeyCache(
    () => {
      state.loads += 1;
      return Promise.resolve([...state.keys]);
    },
    ttlMs,
    () => state.clock,
  );
  return { state, cache, ids: async () => [...(await cache.current()).byHash.values()].map((k) => k.id) };
}

describe('ActiveKeyCache', () => {
  it('serves requests from memory until the copy is ttl old', async () => {
    const { state, ids } = fixture(5_000);
    expect(await ids()).toEqual(['a']);
    state.keys = []; // revoked by another process
    state.clock = 4_999;
    expect(await ids()).toEqual(['a']);
    expect(state.loads).toBe(1);
    state.clock = 5_000;
    expect(await ids()).toEqual([]);
    expect(state.loads).toBe(2);
  });

  it('concurrent requests on a stale copy share one load', async () => {
    const { state, cache } = fixture(1_000);
    await Promise.all(Array.from({ length: 20 }, () => cache.current()));
    expect(state.loads).toBe(1);
  });

  it('invalidate() makes the next request reload, and a load begun before it cannot reinstate old keys', async () => {
    const { state, cache, ids } = fixture(60_000);
    const before = cache.current();
    state.keys = [key('a'), key('b')];
    cache.invalidate();
    expect((await before).byHash.size).toBe(1);
    expect(await ids()).toEqual(['a', 'b']);
  });

  it('with a ttl of 0 every request reads the keys afresh', async () => {
    const { state, ids } = fixture(0);
    await ids();
    await ids();
    expect(state.loads).toBe(2);
  });
});
