// Empties dist/ before a build: tsc's incremental build never deletes the output of a
// source file that was moved or removed, and a stale model or test file left there would
// be loaded by the tests (or shipped) as if it still existed.
const fs = require('node:fs');
const path = require('node:path');

fs.rmSync(path.join(__dirname, '..', 'dist'), { recursive: true, force: true });
