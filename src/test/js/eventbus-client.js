// The stock Vert.x event-bus bridge client (@vertx/eventbus-bridge-client.js over sockjs-client)
// against Herald's /eventbus endpoint. Commands come as JSON lines on stdin; everything the client
// sees is reported as one JSON line on stdout.
//   {"op":"register","address":"herald.user.u1","headers":{"Authorization":"Bearer <jwt>"}}
//   {"op":"unregister","address":"herald.room.lobby"}
//   {"op":"send","address":"herald.ping","body":{},"headers":{},"reply":true}
//   {"op":"publish","address":"herald.ping","body":{}}
//   {"op":"raw","text":"not json"}            (bypasses the library)
//   {"op":"close"}
// Env: HERALD_URL (http://host:port), BRIDGE_PATH (default /eventbus), TRANSPORTS (optional,
// comma-separated sockjs-client transports, e.g. xhr-polling), PING_INTERVAL (optional, ms between
// the client's bridge pings; it always sends one on open).
const EventBus = require('@vertx/eventbus-bridge-client.js');
const readline = require('readline');

const report = (o) => console.log(JSON.stringify(o));
const options = {};
if (process.env.TRANSPORTS) options.transports = process.env.TRANSPORTS.split(',');
if (process.env.PING_INTERVAL) options.vertxbus_ping_interval = Number(process.env.PING_INTERVAL);
const eb = new EventBus(`${process.env.HERALD_URL}${process.env.BRIDGE_PATH || '/eventbus'}`, options);
const handlers = {};

eb.onopen = () => report({ type: 'open', transport: eb.sockJSConn.transport });
eb.onerror = (err) => report({ type: 'onerror', error: err });
eb.onclose = (e) => {
  report({ type: 'closed', code: e && e.code, reason: e && e.reason });
  process.exit(0);
};

const commands = {
  register(c) {
    handlers[c.address] = (err, msg) => {
      if (err) report({ type: 'handler-error', address: c.address, error: err });
      else report({ type: 'message', address: msg.address, body: msg.body });
    };
    eb.registerHandler(c.address, c.headers || {}, handlers[c.address]);
  },
  unregister(c) {
    eb.unregisterHandler(c.address, c.headers || {}, handlers[c.address]);
  },
  send(c) {
    if (c.reply) {
      eb.send(c.address, c.body, c.headers || {}, (err, msg) => {
        if (err) report({ type: 'reply-error', to: c.address, error: err });
        else report({ type: 'reply', to: c.address, body: msg.body });
      });
    } else {
      eb.send(c.address, c.body, c.headers || {});
    }
  },
  publish(c) {
    eb.publish(c.address, c.body, c.headers || {});
  },
  raw(c) {
    eb.sockJSConn.send(c.text);
  },
  close() {
    eb.close();
  },
};

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let c;
  try {
    c = JSON.parse(line);
    commands[c.op](c);
  } catch (e) {
    report({ type: 'script-error', line, message: String(e) });
  }
});
setTimeout(() => { report({ type: 'timeout' }); process.exit(2); }, 60000);
