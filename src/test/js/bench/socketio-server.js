// The Socket.IO 4 comparison server for scripts/bench: the npm socket.io server doing what Herald
// does for a room, with io.to(room).emit. No auth. Clients join the room named in their handshake
// query (?room=...) and, with ?user=U, the personal room user:U (the bench's notification scenario,
// delivered without storage). POST /publish/<room> with a JSON body emits it to the room as event "bench".
// GET /stats runs a full GC (node --expose-gc) and answers process.memoryUsage() as JSON.
// Prints one JSON line {"ready":true,"port":N,"pid":P} once listening on 127.0.0.1 (loopback only).
const http = require('http');
const { Server } = require('socket.io');

const port = parseInt(process.argv[2] || '0', 10);
const httpServer = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/publish/')) {
    const room = decodeURIComponent(req.url.substring('/publish/'.length));
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      io.to(room).emit('bench', JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end();
    });
  } else if (req.method === 'GET' && req.url === '/stats') {
    if (global.gc) global.gc();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(process.memoryUsage()));
  } else {
    res.writeHead(404).end();
  }
});
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  const { room, user } = socket.handshake.query;
  if (room) socket.join(room);
  if (user) socket.join(`user:${user}`);
});
httpServer.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: httpServer.address().port, pid: process.pid }));
});
process.on('SIGTERM', () => process.exit(0));
