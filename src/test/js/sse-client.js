// An SSE client with the npm 'eventsource' package (v2, the classic EventSource API), the way
// docs/transport-sse.md shows it: the token in the Authorization header, automatic reconnects with
// Last-Event-ID. Reports one JSON line per happening:
//   {type:'open'}
//   {type:'event', event, id, data}   id = the event's lastEventId ('' when none was ever set)
//   {type:'error', status?, message?} a connection error (the EventSource retries by itself)
// A server 'error' event is reported as {type:'event', event:'error', ...}.
// Env: URL (the full events URL), TOKEN, EVENTS (extra event names to listen to, comma-separated).
const EventSource = require('eventsource');

const report = (o) => console.log(JSON.stringify(o));
const names = ['unread_count', 'notification', 'reconnect', 'error']
  .concat((process.env.EVENTS || '').split(',').filter((n) => n));

const es = new EventSource(process.env.URL, { headers: { Authorization: 'Bearer ' + process.env.TOKEN } });
es.addEventListener('open', () => report({ type: 'open' }));
for (const name of names) {
  es.addEventListener(name, (e) => {
    if (name === 'error' && e.data === undefined) {
      // EventSource's own connection error, not a server 'error' event
      report({ type: 'error', status: e.status, message: e.message });
      return;
    }
    report({ type: 'event', event: name, id: e.lastEventId, data: JSON.parse(e.data) });
  });
}
// Ends when the test closes stdin (or after a bound, so a forgotten script cannot linger).
process.stdin.on('end', () => { es.close(); process.exit(0); });
process.stdin.resume();
setTimeout(() => { report({ type: 'timeout' }); es.close(); process.exit(2); }, 60000);
