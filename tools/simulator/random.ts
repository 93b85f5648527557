/** A seeded source of randomness, so that one seed replays the same fleet. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(min: number, max: number): number;
  /** Uniform over the integers min..max, both included. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/**
 * mulberry32: 32 bits of state and good enough spread for test data. Math.random cannot be seeded,
 * and a simulation is only worth debugging if it can be replayed.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    uniform: (min, max) => min + next() * (max - min),
    int,
    chance: (probability) => next() < probability,
    pick: (items) => items[int(0, items.length - 1)],
  };
}

/**
 * Which of `size` devices are faulty: round(share × size) indices, drawn without repeats. Nothing is
 * drawn for a share of 0, so a fleet without faults replays as it did before faults could be asked for.
 */
export function faultyIndices(size: number, share: number, random: Random): Set<number> {
  const order = Array.from({ length: size }, (_, index) => index);
  const count = Math.round(size * share);
  for (let i = 0; i < count; i++) {
    const j = random.int(i, size - 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return new Set(order.slice(0, count));
}
