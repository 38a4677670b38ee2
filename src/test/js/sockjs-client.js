// Herald's /sockjs endpoint with the npm 'sockjs-client' under Node, on one forced transport.
// Reports one JSON object per stdout line, in the order the client saw them:
//   {"type":"open","transport":"xhr-polling"}   {"type":"frame","frame":{...}}
//   {"type":"close","code":3000,"reason":"Go away!"}
// Env: HERALD_URL (http://host:port), TRANSPORT (websocket, xhr-streaming, eventsource, xhr-polling),
//      TOKEN (sent as ?token=, optional), AUTH_TOKEN (sent in an auth frame once open, optional),
//      LAST_ID (sent as ?lastNotificationId=, optional).
// Stdin: each line is sent as one message; the line 'close' closes the socket.
const SockJS = require('sockjs-client');
const readline = require('readline');

const report = (o) => console.log(JSON.stringify(o));
const query = new URLSearchParams();
if (process.env.TOKEN) query.set('token', process.env.TOKEN);
if (process.env.LAST_ID) query.set('lastNotificationId', process.env.LAST_ID);
const url = `${process.env.HERALD_URL}/sockjs${query.toString() ? `?${query}` : ''}`;

const sock = new SockJS(url, null, { transports: [process.env.TRANSPORT] });
sock.onopen = () => {
  report({ type: 'open', transport: sock.transport });
  if (process.env.AUTH_TOKEN) {
    sock.send(JSON.stringify({ event: 'auth', data: { token: process.env.AUTH_TOKEN }, id: 'auth' }));
  }
};
sock.onmessage = (e) => {
  let frame;
  try {
    frame = JSON.parse(e.data);
  } catch (err) {
    report({ type: 'not-json', data: String(e.data) });
    return;
  }
  report({ type: 'frame', frame });
};
sock.onclose = (e) => {
  report({ type: 'close', code: e.code, reason: e.reason });
  process.exit(0);
};

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'close') sock.close();
  else if (sock.readyState === SockJS.OPEN) sock.send(line);
  else report({ type: 'not-sent', line });
});
setTimeout(() => { report({ type: 'timeout' }); process.exit(2); }, 60000);
