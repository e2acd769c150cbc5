/** The outcome of one item of a batch: its value, or the error that item alone failed with. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface BatcherOptions<T> {
  /** Most items one batch takes. */
  maxBatch: number;
  /** Most batches running at once. */
  maxInFlight: number;
  /**
   * Items with the same key are never in one batch, nor in two batches running at once:
   * the later one waits for the next batch after the earlier one's has finished.
   */
  keyOf?: (item: T) => string;
}

interface Waiting<T, R> {
  item: T;
  key: string | undefined;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups items that arrive while earlier batches run (group commit): an item that finds a
 * batch slot free starts a batch at once, so nothing waits for a timer and a lone item is
 * handled as soon as it comes; items that arrive while every slot is busy are taken
 * together by the next batch, up to maxBatch. `run` answers for every item of a batch in
 * order; when it throws, every item of that batch fails with its error.
 */
export class Batcher<T, R> {
  private readonly waiting: Array<Waiting<T, R>> = [];
  /** Keys of the items in running batches. */
  private readonly busy = new Set<string>();
  private running = 0;
  /** Items in running batches. */
  private inBatches = 0;

  constructor(
    private readonly run: (items: T[]) => Promise<Array<Settled<R>>>,
    private readonly options: BatcherOptions<T>,
  ) {
    if (options.maxBatch < 1 || options.maxInFlight < 1) throw new Error('a batcher needs room for one item');
  }

  /** Hands one item to the next batch; settles with that item's own outcome. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, key: this.options.keyOf?.(item), resolve, reject });
      this.pump();
    });
  }

  /** Items handed in and not yet settled (waiting or in a running batch). */
  get pending(): number {
    return this.waiting.length + this.inBatches;
  }

  private pump(): void {
    while (this.running < this.options.maxInFlight) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.running += 1;
      this.inBatches += batch.length;
      void this.runBatch(batch);
    }
  }

  /** The oldest waiting items whose keys are free, up to maxBatch; their keys become busy. */
  private take(): Array<Waiting<T, R>> {
    const batch: Array<Waiting<T, R>> = [];
    for (let i = 0; i < this.waiting.length && batch.length < this.options.maxBatch;) {
      const next = this.waiting[i]!;
      if (next.key !== undefined && this.busy.has(next.key)) {
        i += 1;
        continue;
      }
      if (next.key !== undefined) this.busy.add(next.key);
      batch.push(next);
      this.waiting.splice(i, 1);
    }
    return batch;
  }

  private async runBatch(batch: Array<Waiting<T, R>>): Promise<void> {
    let results: Array<Settled<R>>;
    try {
      results = await this.run(batch.map((w) => w.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} got ${results.length} results`);
    } catch (error) {
      results = batch.map(() => ({ ok: false, error }));
    }
    for (const w of batch) if (w.key !== undefined) this.busy.delete(w.key);
    this.running -= 1;
    this.inBatches -= batch.length;
    batch.forEach((w, i) => {
      const result = results[i]!;
      if (result.ok) w.resolve(result.value);
      else w.reject(result.error);
    });
    this.pump();
  }
}

/** Runs fn and settles: its value, or the error it threw. */
export async function settle<T>(fn: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}
