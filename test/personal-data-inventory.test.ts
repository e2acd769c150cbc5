import fs from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import { NOT_PERSONAL_DATA, PERSONAL_DATA } from '../src/modules/privacy/personal-data-inventory';
import { REPO_ROOT } from './helpers/paths';

/** Loads every model file of the build, so that a model nothing imports yet is walked too. */
function loadAllModels(): void {
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading by path is the point
  for (const file of walk(path.join(REPO_ROOT, 'dist/src'))) if (file.endsWith('.model.js')) require(file);
}

/** Paths that look like they point at a person; each must declare `ref: 'Commenter'`. */
const PERSON_LIKE = /(author|commenter|reporter|subject|actor|createdBy|notifier|user)/i;

describe('the personal-data inventory', () => {
  loadAllModels();
  const listed = new Set(PERSONAL_DATA.map((p) => p.model.modelName));

  it('when a model refers to a commenter, then it is in the inventory or named as holding no personal data, with a reason', () => {
    const unaccounted: string[] = [];
    for (const name of mongoose.modelNames()) {
      const schema = mongoose.model(name).schema;
      const refers = Object.entries(schema.paths).some(
        ([field, type]) => (type.options as { ref?: string }).ref === 'Commenter' || field === 'subjectRef',
      );
      if (refers && !listed.has(name) && !NOT_PERSONAL_DATA[name]) unaccounted.push(name);
    }
    expect(unaccounted).toEqual([]);
  });

  it('when a field holds an id that looks like a person, then it declares that it refers to a commenter', () => {
    const undeclared: string[] = [];
    for (const name of mongoose.modelNames()) {
      for (const [field, type] of Object.entries(mongoose.model(name).schema.paths)) {
        if (
          type.instance === 'ObjectId' &&
          PERSON_LIKE.test(field) &&
          (type.options as { ref?: string }).ref !== 'Commenter'
        ) {
          undeclared.push(`${name}.${field}`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('when the inventory lists places, then each has its own export key and receipt key, and every exception is a real model', () => {
    expect(new Set(PERSONAL_DATA.map((p) => p.key)).size).toBe(PERSONAL_DATA.length);
    expect(new Set(PERSONAL_DATA.map((p) => p.receiptKey)).size).toBe(PERSONAL_DATA.length);
    for (const place of PERSONAL_DATA.filter((p) => p.erasure === 'keep'))
      expect(place.keptBecause).toEqual(expect.any(String));
    for (const name of Object.keys(NOT_PERSONAL_DATA)) expect(mongoose.modelNames()).toContain(name);
  });
});
