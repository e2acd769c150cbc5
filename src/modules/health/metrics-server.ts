import http from 'node:http';
import { sameKey } from '../../http/auth';
import { bearerToken } from '../../http/request-context';
import type { Metrics } from '../../infra/metrics';

export interface MetricsListener {
  port: number;
  host: string;
  /** When set, scrapes must send it as the bearer (METRICS_TOKEN). */
  token?: string;
  metrics: Metrics;
  /** Brings gauges up to date before each scrape (the API's queue depths). */
  refresh?: () => Promise<void>;
}

/**
 * GET /metrics alone, on a port of its own (METRICS_PORT, WORKER_METRICS_PORT): nothing
 * else of the service is reachable there, so the port can stay on an internal network.
 */
export function serveMetrics(options: MetricsListener): http.Server {
  const { metrics, token, refresh } = options;
  return http
    .createServer((req, res) => {
      if (req.url !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404).end();
        return;
      }
      const given = bearerToken(req);
      if (token && (!given || !sameKey(given, token))) {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end();
        return;
      }
      (refresh ?? (async () => undefined))()
        .then(() => metrics.registry.metrics())
        .then(
          (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
    })
    .listen(options.port, options.host);
}
