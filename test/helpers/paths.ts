import path from 'node:path';

/**
 * The repository's root. Tests run compiled from dist/test/, so paths to the build, the
 * scripts and config files are taken from here rather than from __dirname.
 */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
