import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one process. Labels never carry ids or personal data. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in a queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });
  readonly jobsProcessed = new Counter({
    name: 'jobs_processed_total',
    help: 'Jobs finished by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jobsFailed = new Counter({
    name: 'jobs_failed_total',
    help: 'Job attempts that failed (they are retried with backoff)',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly pageCache = new Counter({
    name: 'public_page_cache_total',
    help: 'Anonymous comment page reads by cache result (hit, miss, bypass when Redis is unreachable)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly generationReads = new Counter({
    name: 'page_generation_reads_total',
    help: 'Page-cache generation lookups by source: pushed (held under a lease, no round trip) or redis (asked)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly databaseCommands = new Counter({
    name: 'database_commands_total',
    help: 'Commands this process sent to MongoDB (each one a round trip), by command name',
    labelNames: ['command'] as const,
    registers: [this.registry],
  });
  readonly decisionSeconds = new Histogram({
    name: 'moderation_decision_seconds',
    help: 'Time from a comment being posted or edited to the automated decision',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
