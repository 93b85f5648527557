import { GroupCommitter } from '../../src/ingestion/group-commit';

/** A write that records the groups it was given and answers each item doubled. */
function recordingWrite(fail?: (items: number[]) => boolean) {
  const groups: number[][] = [];
  const write = async (items: number[]) => {
    groups.push(items);
    await new Promise((resolve) => setImmediate(resolve));
    if (fail?.(items)) throw new Error(`cannot write ${items.join(',')}`);
    return items.map((item) => item * 2);
  };
  return { groups, write };
}

describe('GroupCommitter', () => {
  it('writes items submitted together in one call and answers each its own result', async () => {
    const { groups, write } = recordingWrite();
    const committer = new GroupCommitter(write, { maxWaitMs: 20, maxItems: 100 });
    const results = await Promise.all([1, 2, 3].map((n) => committer.submit(n)));
    expect(results).toEqual([2, 4, 6]);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it('writes a full group at once instead of waiting for the timer', async () => {
    const { groups, write } = recordingWrite();
    const committer = new GroupCommitter(write, { maxWaitMs: 60_000, maxItems: 2 });
    await expect(Promise.all([committer.submit(1), committer.submit(2)])).resolves.toEqual([2, 4]);
    expect(groups).toEqual([[1, 2]]);
  });

  it('when the shared write fails, retries each item alone so only the bad one fails', async () => {
    const { groups, write } = recordingWrite((items) => items.includes(13));
    const committer = new GroupCommitter(write, { maxWaitMs: 5, maxItems: 100 });
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
    const committer = new GroupCommitter(write, { maxWaitMs: 60_000, maxItems: 100 });
    let answered = false;
    const pending = committer.submit(5).then((value) => {
      answered = true;
      return value;
    });
    await committer.drain();
    expect(answered).toBe(true);
    await expect(pending).resolves.toBe(10);
  });

  it('reports the size of each group it writes', async () => {
    const sizes: number[] = [];
    const { write } = recordingWrite();
    const committer = new GroupCommitter(write, { maxWaitMs: 10, maxItems: 100, onFlush: (n) => sizes.push(n) });
    await Promise.all([1, 2, 3, 4].map((n) => committer.submit(n)));
    expect(sizes).toEqual([4]);
  });
});
