import { GroupCommitter } from '../../src/ingestion/group-commit';

/** A write that records the groups it was given and answers each item doubled. */
function recordingWrite(fail?: (items: number[]) => boolean, delayMs = 0) {
  const groups: number[][] = [];
  const write = async (items: number[]) => {
    groups.push(items);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (fail?.(items)) throw new Error(`cannot write ${items.join(',')}`);
    return items.map((item) => item * 2);
  };
  return { groups, write };
}

describe('GroupCommitter', () => {
  it('writes items submitted together in one call and answers each its own result', async () => {
    const { groups, write } = recordingWrite();
    const committer = new GroupCommitter(write, { maxWaitMs: 20, maxItems: 100, maxConcurrent: 4 });
    const results = await Promise.all([1, 2, 3].map((n) => committer.submit(n)));
    expect(results).toEqual([2, 4, 6]);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it('writes a full group at once instead of waiting for the timer', async () => {
    const { groups, write } = recordingWrite();
    const committer = new GroupCommitter(write, { maxWaitMs: 60_000, maxItems: 2, maxConcurrent: 4 });
    await expect(Promise.all([committer.submit(1), committer.submit(2)])).resolves.toEqual([2, 4]);
    expect(groups).toEqual([[1, 2]]);
  });

  it('when the shared write fails, retries each item alone so only the bad one fails', async () => {
    const { groups, write } = recordingWrite((items) => items.includes(13));
    const committer = new GroupCommitter(write, { maxWaitMs: 5, maxItems: 100, maxConcurrent: 4 });
    const outcomes = await Promise.allSettled([1, 13, 3].map((n) => committer.submit(n)));
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('cannot write 13') },
      { status: 'fulfilled', value: 6 },
    ]);
    expect(groups).toEqual([[1, 13, 3], [1], [13], [3]]);
  });

  it('drain answers items still waiting for their timer', async () => {
    const { write } = recordingWrite();
    const committer = new GroupCommitter(write, { maxWaitMs: 60_000, maxItems: 100, maxConcurrent: 4 });
    let answered = false;
    const pending = committer.submit(5).then((value) => {
      answered = true;
      return value;
    });
    await committer.drain();
    expect(answered).toBe(true);
    await expect(pending).resolves.toBe(10);
  });

  it('while the concurrency limit is reached, new items gather and go out as the next group', async () => {
    const { groups, write } = recordingWrite(undefined, 200);
    const committer = new GroupCommitter(write, { maxWaitMs: 0, maxItems: 100, maxConcurrent: 1 });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 10));
    const submitted = [committer.submit(1)];
    // The first group is being written for a while; later items wait for it instead of starting writes.
    for (const n of [2, 3, 4]) {
      await pause();
      submitted.push(committer.submit(n));
    }
    await Promise.all(submitted);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it('never writes a group larger than maxItems', async () => {
    const { groups, write } = recordingWrite();
    const committer = new GroupCommitter(write, { maxWaitMs: 1, maxItems: 2, maxConcurrent: 1 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => committer.submit(n)));
    expect(groups.map((group) => group.length)).toEqual([2, 2, 1]);
  });

  it('reports the size of each group it writes', async () => {
    const sizes: number[] = [];
    const { write } = recordingWrite();
    const committer = new GroupCommitter(write, { maxWaitMs: 10, maxItems: 100, maxConcurrent: 4, onFlush: (n) => sizes.push(n) });
    await Promise.all([1, 2, 3, 4].map((n) => committer.submit(n)));
    expect(sizes).toEqual([4]);
  });
});
