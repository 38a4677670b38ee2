// The npm 'ws' client with permessage-deflate (its default: it compresses messages of 1 KB and
// more): reports the negotiated extension, sends a large direct message (compressed by the client)
// and reports every frame it receives. Env: HERALD_URL, TOKEN, TO (the receiver), SIZE (content length).
const WebSocket = require('ws');
const report = (o) => console.log(JSON.stringify(o));
const ws = new WebSocket(`${process.env.HERALD_URL.replace('http', 'ws')}/ws?token=${process.env.TOKEN}`,
  { perMessageDeflate: { threshold: 1024 } });
ws.on('upgrade', (res) => report({ type: 'upgrade', extensions: res.headers['sec-websocket-extensions'] || null }));
ws.on('message', (m) => {
  const frame = JSON.parse(m.toString());
  report({ type: 'frame', event: frame.event, size: m.length, frame });
  if (frame.event === 'unread_count' && !ws.sent) {
    ws.sent = true;
    ws.send(JSON.stringify({ event: 'sendMessage', id: 1,
      data: { receiverId: process.env.TO, content: 'z'.repeat(Number(process.env.SIZE)) } }));
  }
});
ws.on('close', (code) => { report({ type: 'closed', code }); process.exit(0); });
ws.on('error', (e) => { report({ type: 'error', message: e.message }); process.exit(1); });
setTimeout(() => { report({ type: 'timeout' }); process.exit(2); }, 20000);
