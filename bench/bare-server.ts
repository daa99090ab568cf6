import { createServer } from 'node:http';

// The baseline: a bare node:http server that answers POST /update-score's 200 body and
// does no work at all (no auth, no parsing, no storage). Node discards the unread body.
const BODY = JSON.stringify({ status: 'success', message: 'Score updated successfully' });
const LENGTH = String(Buffer.byteLength(BODY));

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': LENGTH });
  res.end(BODY);
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'bare server is listening', port })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
