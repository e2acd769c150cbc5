import mongoose from 'mongoose';
import { Harness, startHarness } from './helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}); // connects and builds the indexes, as the API does
afterAll(async () => {
  await h.close();
});

describe('database indexes', () => {
  it('when every model is indexed, then each declared index exists on its collection', async () => {
    // The harness loads the API and the worker, so every model is registered here.
    expect(Object.keys(mongoose.models).length).toBeGreaterThan(0);
    for (const model of Object.values(mongoose.models)) {
      const existing = (await model.collection.listIndexes().toArray()).map((i) => JSON.stringify(i.key));
      for (const [fields] of model.schema.indexes()) expect(existing).toContain(JSON.stringify(fields));
    }
  });
});
