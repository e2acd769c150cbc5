import type { Express } from 'express';
import { useHarness } from './helpers/harness';

const h = useHarness({ METRICS_TOKEN: 'test-metrics-token-0123456789' });

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method and path the app routes, in OpenAPI's form (`:site` → `{site}`), read from express itself. */
function routedOperations(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          for (const method of Object.keys(layer.route.methods)) {
            if (method !== '_all') found.push(`${method} ${p.replace(/:(\w+)/g, '{$1}')}`);
          }
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...new Set(found)].sort();
}

describe('the OpenAPI document', () => {
  it('when /openapi.json is read, then every operation the app routes is in it (the list of paths is written once: the routes; the document must match them)', async () => {
    const doc = (await h.http.get('/openapi.json')).body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)),
    );
    const routed = routedOperations(h.app);
    expect(routed.length).toBeGreaterThan(30);
    expect(routed.filter((op) => !documented.has(op))).toEqual([]);
    expect(doc.paths['/api/v1/sites/{site}/comments']?.post).toMatchObject({
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { properties: { body: expect.any(Object) } } } },
      },
    });
  });
});
