import { createServer } from 'node:http';

/**
 * A baseline of `npm run bench`: the most POST requests a Node process answers on this machine. It
 * reads each body to its end, as any server that stores a reading must, and answers 201 with `{}`;
 * no framework, no parsing, no database. The service's single readings are compared against it.
 */
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    // Joined as a JSON parser would need it; what it says does not matter here.
    void Buffer.concat(chunks);
    response.writeHead(201, { 'content-type': 'application/json' }).end('{}');
  });
});

server.listen(Number(process.env.PORT), '127.0.0.1');
