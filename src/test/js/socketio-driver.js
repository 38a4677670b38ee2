// Drives socket.io-client 4.x for Herald's tests. Reads commands (one JSON object per stdin
// line) and reports what the clients see (one JSON object per stdout line).
//   {"cmd":"connect","name":"a","url":"http://127.0.0.1:8080/notifications","opts":{...}}
//   {"cmd":"emit","name":"a","event":"ping","data":{},"ack":true}
//   {"cmd":"close","name":"a"}
//   {"cmd":"dropOn","name":"a","event":"burst"}   (closes the transport when 'burst' first arrives)
const { io } = require('socket.io-client');
const readline = require('readline');
const report = (o) => console.log(JSON.stringify(o));
const sockets = {};

function connect({ name, url, opts }) {
  const socket = io(url, Object.assign({ reconnection: false, forceNew: false }, opts || {}));
  sockets[name] = socket;
  socket.on('connect', () => report({ type: 'connect', name, id: socket.id, transport: socket.io.engine.transport.name }));
  socket.on('connect_error', (err) => report({ type: 'connect_error', name, message: err.message, data: err.data || null }));
  socket.on('disconnect', (reason) => report({ type: 'disconnect', name, reason }));
  socket.onAny((event, ...args) => report({ type: 'event', name, event, args }));
  socket.io.engine && socket.io.engine.on('upgrade', (t) => report({ type: 'upgrade', name, transport: t.name }));
  socket.io.on('open', () => socket.io.engine.on('upgrade', (t) => report({ type: 'upgrade', name, transport: t.name })));
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let c;
  try { c = JSON.parse(line); } catch (e) { return report({ type: 'bad-command', line }); }
  if (c.cmd === 'connect') connect(c);
  else if (c.cmd === 'emit') {
    const s = sockets[c.name];
    const args = [c.event];
    if (c.binary) args.push(Buffer.from(c.data || []));
    else if (c.data !== undefined) args.push(c.data);
    if (c.ack) args.push((...reply) => report({ type: 'ack', name: c.name, event: c.event, args: reply }));
    s.emit(...args);
  } else if (c.cmd === 'close') sockets[c.name].disconnect();
  else if (c.cmd === 'dropOn') {
    // Closes the Engine.IO transport abruptly (no DISCONNECT packet) when the event first arrives.
    sockets[c.name].once(c.event, () => sockets[c.name].io.engine.close());
  }
  else if (c.cmd === 'exit') process.exit(0);
});
setTimeout(() => { report({ type: 'timeout' }); process.exit(2); }, 120000);
