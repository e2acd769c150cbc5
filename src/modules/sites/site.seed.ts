import fs from 'node:fs';
import { z } from 'zod';

const seedSchema = z.object({ sites: z.array(z.object({ id: z.string(), config: z.unknown() })) });

/** Reads a seed file of sites: { "sites": [ { "id": "…", "config": { …PUT body… } } ] }. */
export function loadSeedFile(path: string): Array<{ id: string; config: unknown }> {
  const parsed = seedSchema.parse(JSON.parse(fs.readFileSync(path, 'utf8')));
  return parsed.sites.map((s) => ({ id: s.id, config: s.config }));
}
