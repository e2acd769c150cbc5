/* global console */
/**
 * Builds the browser code with esbuild into dist/widget/:
 *   embed.js     the widget host pages load (budget: 15 KB gzipped, no runtime dependencies)
 *   count.js     comment counts for article lists
 *   moderate.js  the moderators' page          moderate.css
 *   demo.js      the demo article page         demo.css
 *   notice-status.js  a notifier's case status page (styled by moderate.css)
 *   demo.html, moderate.html, notice-status.html
 * Prints the widget's gzipped size and fails when it is over budget. Files are written to a
 * temporary name and renamed, so a server reading them never sees half a file.
 */
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const esbuild = require('esbuild');

const BUDGET_BYTES = 15 * 1024;
const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'widget');

/** .css imported from TypeScript becomes its minified text. */
const cssAsText = {
  name: 'css-as-text',
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const { code } = await esbuild.transform(source, { loader: 'css', minify: true });
      return { contents: `export default ${JSON.stringify(code.trim())};`, loader: 'js' };
    });
  },
};

function writeAtomically(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

async function bundle(entry, name) {
  const result = await esbuild.build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    platform: 'browser',
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    plugins: [cssAsText],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  writeAtomically(path.join(out, name), code);
  return code;
}

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const embed = await bundle('widget/embed/main.ts', 'embed.js');
  const count = await bundle('widget/count/main.ts', 'count.js');
  await bundle('widget/moderate/main.ts', 'moderate.js');
  await bundle('widget/demo/demo.ts', 'demo.js');
  await bundle('widget/notice-status/main.ts', 'notice-status.js');
  for (const [from, to] of [
    ['widget/moderate/moderate.css', 'moderate.css'],
    ['widget/demo/demo.css', 'demo.css'],
  ]) {
    const { code } = await esbuild.transform(fs.readFileSync(path.join(root, from), 'utf8'), {
      loader: 'css',
      minify: true,
    });
    writeAtomically(path.join(out, to), code);
  }
  for (const [from, to] of [
    ['widget/demo/demo.html', 'demo.html'],
    ['widget/moderate/moderate.html', 'moderate.html'],
    ['widget/notice-status/notice-status.html', 'notice-status.html'],
  ]) {
    writeAtomically(path.join(out, to), fs.readFileSync(path.join(root, from)));
  }

  const gzipped = zlib.gzipSync(embed, { level: 9 }).length;
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `widget: dist/widget/embed.js ${kb(embed.length)} minified, ${kb(gzipped)} gzipped (budget ${kb(BUDGET_BYTES)})`,
  );
  console.log(
    `widget: dist/widget/count.js ${kb(count.length)} minified, ${kb(zlib.gzipSync(count, { level: 9 }).length)} gzipped`,
  );
  if (gzipped > BUDGET_BYTES) {
    console.error(`widget: embed.js is ${gzipped - BUDGET_BYTES} bytes over the ${kb(BUDGET_BYTES)} gzipped budget`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(`widget build failed: ${err.message}`);
  process.exit(1);
});
