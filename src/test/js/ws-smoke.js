// The README's client path with the npm 'ws' package: connect with ?token=, ping, receive one
// event sent through the REST API, report each as a JSON line. Env: HERALD_URL, TOKEN.
const WebSocket = require('ws');
const report = (o) => console.log(JSON.stringify(o));
const ws = new WebSocket(`${process.env.HERALD_URL.replace('http', 'ws')}/ws?token=${process.env.TOKEN}`);
ws.on('message', (m) => {
  const frame = JSON.parse(m.toString());
  report({ type: 'frame', frame });
  if (frame.event === 'unread_count' && !ws.pinged) {
    ws.pinged = true;
    ws.send(JSON.stringify({ event: 'ping', id: 1 }));
  }
  if (frame.event === 'done') ws.close();
});
ws.on('close', (code) => { report({ type: 'closed', code }); process.exit(0); });
ws.on('error', (e) => { report({ type: 'error', message: e.message }); process.exit(1); });
setTimeout(() => { report({ type: 'timeout' }); process.exit(2); }, 20000);
