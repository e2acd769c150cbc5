import type { Services } from '../../container';
import type { Logger } from '../../infra/logger';
import type { EventConsumer } from './event-consumer';
import { onEventsRecorded } from './event-signal';
import { EventModel } from './event.model';

/** Events one pass hands to the consumers. */
const BATCH = 200;
/**
 * An idle dispatcher polls less and less often, up to this many times `pollMs`: hints
 * wake it at once, so polling only covers hints lost (Redis down), and every poll is a
 * query (one that reads the whole feed where the database cannot use the index).
 */
const IDLE_SLOWDOWN = 10;

/**
 * Hands the feed's ready events to the consumers, oldest first, in the worker. It polls
 * every `pollMs`, more slowly while it finds nothing (up to IDLE_SLOWDOWN times), and is
 * woken at once by the hint that events were recorded. Several
 * workers may run it at once: consumers take events idempotently, so an event handed out
 * twice is still acted on once.
 */
export class EventDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Passes in a row that found nothing (slows polling down). */
  private idle = 0;
  private readonly stopListening: () => void;

  constructor(
    private readonly consumers: readonly EventConsumer[],
    private readonly services: Services,
    private readonly log: Logger,
    private readonly pollMs: number,
  ) {
    this.stopListening = onEventsRecorded(() => this.wake());
  }

  start(): void {
    this.schedule(0);
  }

  /** Runs a pass now, or right after the one under way. */
  wake(): void {
    if (this.stopped) return;
    this.idle = 0;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** One pass over what is ready; answers how many events it handed out. */
  async pass(): Promise<number> {
    const events = await EventModel.find({ state: 'ready' }).sort({ createdAt: 1 }).limit(BATCH).lean();
    if (events.length === 0) return 0;
    for (const consumer of this.consumers) {
      await consumer.take(events, this.services, this.log.child({ consumer: consumer.name }));
    }
    await EventModel.updateMany({ _id: { $in: events.map((e) => e._id) } }, { $set: { state: 'dispatched' } });
    return events.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopListening();
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), ms);
    this.timer.unref();
  }

  private run(): void {
    if (this.stopped || this.running) return;
    this.again = false;
    this.running = this.pass()
      .then(
        (handed) => {
          if (handed > 0) this.idle = 0;
          return handed === BATCH;
        },
        (err: Error) => {
          this.log.warn({ errName: err.name }, 'event dispatch failed; retrying');
          return false;
        },
      )
      .then((full) => {
        this.running = undefined;
        if (this.stopped) return;
        if (full || this.again) return this.schedule(0);
        this.idle = Math.min(this.idle + 1, IDLE_SLOWDOWN);
        this.schedule(this.pollMs * this.idle);
      });
  }
}
