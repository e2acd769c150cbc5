import { Batcher, Settled } from '../src/infra/batcher';
import { Semaphore } from '../src/infra/semaphore';

/** A promise settled from outside: each batch here waits for the test to let it finish. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A batcher whose batches are recorded and finish only when the test says so. */
function recordingBatcher(options: { maxBatch: number; maxInFlight: number; keyed?: boolean }) {
  const batches: Array<{
    items: string[];
    finish: (results?: Array<Settled<string>>) => void;
    fail: (e: Error) => void;
  }> = [];
  const batcher = new Batcher<string, string>(
    (items) => {
      const done = deferred<Array<Settled<string>>>();
      batches.push({
        items,
        finish: (results) => done.resolve(results ?? items.map((i) => ({ ok: true, value: `done ${i}` }))),
        fail: (e) => done.reject(e),
      });
      return done.promise;
    },
    { maxBatch: options.maxBatch, maxInFlight: options.maxInFlight, keyOf: options.keyed ? (i) => i[0]! : undefined },
  );
  return { batcher, batches };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('the batcher (group commit)', () => {
  it('when an item finds a batch slot free, then it is handled at once, alone, and settles with its own result', async () => {
    const { batcher, batches } = recordingBatcher({ maxBatch: 8, maxInFlight: 2 });
    const a = batcher.add('a');
    expect(batches.map((b) => b.items)).toEqual([['a']]);
    batches[0]!.finish();
    await expect(a).resolves.toBe('done a');
    expect(batcher.pending).toBe(0);
  });

  it('when items arrive while every slot is busy, then the next batch takes them together, oldest first, up to maxBatch', async () => {
    const { batcher, batches } = recordingBatcher({ maxBatch: 3, maxInFlight: 2 });
    const results = ['a', 'b', 'c', 'd', 'e', 'f'].map((i) => batcher.add(i));
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b']]); // both slots taken at once
    expect(batcher.pending).toBe(6);
    batches[0]!.finish();
    await flush();
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    batches[1]!.finish();
    await flush();
    expect(batches[3]!.items).toEqual(['f']);
    batches[2]!.finish();
    batches[3]!.finish();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((i) => `done ${i}`));
  });

  it('when two items have the same key, then they are never in one batch nor in two batches at once', async () => {
    const { batcher, batches } = recordingBatcher({ maxBatch: 8, maxInFlight: 2, keyed: true });
    const results = ['x1', 'y1', 'x2', 'z1', 'x3'].map((i) => batcher.add(i));
    // x1 and y1 start at once; x2 must wait for x1's batch although a slot frees up for it.
    expect(batches.map((b) => b.items)).toEqual([['x1'], ['y1']]);
    batches[1]!.finish();
    await flush();
    expect(batches[2]!.items).toEqual(['z1']);
    batches[0]!.finish();
    await flush();
    expect(batches[3]!.items).toEqual(['x2']);
    batches[2]!.finish();
    await flush();
    expect(batches).toHaveLength(4); // x3 still waits for x2
    batches[3]!.finish();
    await flush();
    expect(batches[4]!.items).toEqual(['x3']);
    batches[4]!.finish();
    await Promise.all(results);
  });

  it('when one item of a batch fails, then only that item fails; when the whole batch throws, then each of its items fails', async () => {
    const { batcher, batches } = recordingBatcher({ maxBatch: 4, maxInFlight: 1 });
    const first = batcher.add('a');
    const [b, c] = [batcher.add('b'), batcher.add('c')];
    batches[0]!.finish();
    await first;
    await flush();
    batches[1]!.finish([
      { ok: false, error: new Error('b alone') },
      { ok: true, value: 'c fine' },
    ]);
    await expect(b).rejects.toThrow('b alone');
    await expect(c).resolves.toBe('c fine');
    const [d, e] = [batcher.add('d'), batcher.add('e')];
    batches[2]!.fail(new Error('database away'));
    await expect(d).rejects.toThrow('database away');
    // The next batch runs normally after a failed one.
    await flush();
    batches[3]!.finish();
    await expect(e).resolves.toBe('done e');
  });
});

describe('the semaphore', () => {
  it('when more tasks come than it has room for, then the others wait their turn in order and a failure frees its place', async () => {
    const semaphore = new Semaphore(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const tasks = gates.map((gate, i) =>
      semaphore.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    gates[1]!.reject(new Error('task 1 failed'));
    await expect(tasks[1]).rejects.toThrow('task 1 failed');
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    gates[2]!.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[3]!.resolve();
    expect(await Promise.all([tasks[0], tasks[2], tasks[3]])).toEqual([0, 2, 3]);
  });
});
