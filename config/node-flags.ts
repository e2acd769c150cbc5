/**
 * How Node is started for each process of the service, in one place: `npm run start:api`
 * and the image's entrypoint spell the same flags in shell (test/node-flags.test.ts holds
 * them to this), and the benchmarks, the fuzzer and the process tests start the API with
 * these, so that what is measured and tested is what runs.
 *
 * The API's old generation is capped (API_HEAP_MB, default 256). Without a cap V8 sizes
 * it from the machine's memory (about 4 GB here) and lets garbage from requests that
 * outlive a young-generation collection (a post waits on the database for 100 ms or more)
 * pile up before it collects: posting at full speed took the API to 195–210 MB of RSS with
 * 35 MB live. With the cap it collects sooner and stayed at 141 MB, with posts as fast
 * (README, "The API's memory while posting").
 * The cap must leave room for the page cache (PAGE_CACHE_MB, its pages are on the heap):
 * the API warns at start when it does not (api-process.ts).
 *
 * Workers keep V8's own sizing: an erasure step or a batch of decisions holds more at once.
 */
export const API_HEAP_MB_DEFAULT = 256;

/** The node flags the API process runs with, from its environment. */
export function apiNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  // As the shell's ${API_HEAP_MB:-256}: unset or empty is the default; node itself refuses
  // a value that is not a number of megabytes.
  return [`--max-old-space-size=${env.API_HEAP_MB || API_HEAP_MB_DEFAULT}`];
}
