/**
 * The ceiling of the read benchmark: a bare node:http server, in a process of its own,
 * answering every request with the same status, headers and body the API gave for the
 * widget's request (read from the JSON file named by the first argument). Nothing a
 * Node program serving that answer could leave out is left in: what the API spends
 * beyond this is its own request path.
 *
 *   node dist/bench/ceiling-server.js <response.json> <port>
 */
import fs from 'node:fs';
import http from 'node:http';

interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  bodyBase64: string;
}

const [file, port] = process.argv.slice(2);
const recorded = JSON.parse(fs.readFileSync(file as string, 'utf8')) as RecordedResponse;
const body = Buffer.from(recorded.bodyBase64, 'base64');
const headers = { ...recorded.headers, 'content-length': String(body.length) };

const server = http.createServer((_req, res) => {
  res.writeHead(recorded.status, headers);
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1', () => console.log(`ceiling listening on ${port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
