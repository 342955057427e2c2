// A minimal tailcast client for node (docs/protocol.md) on the `ws` package:
//   npm install ws && node client.mjs ws://127.0.0.1:8080/ws
import WebSocket from 'ws';

const base = process.argv[2] || 'ws://127.0.0.1:8080/ws';
let filter = { service: 'api', level: 'warn' }; // also what every reconnect asks for
let cursor = ''; // of the last entry processed
let ws = null;
let backoff = 1000;

function connect() {
  const url = new URL(base);
  for (const [k, v] of Object.entries(filter)) if (v) url.searchParams.set(k, v);
  if (cursor) url.searchParams.set('since', cursor);
  const asked = filter;
  ws = new WebSocket(url);
  ws.on('open', () => { if (filter !== asked) setFilter(filter); }); // changed while connecting
  ws.on('message', (data) => {
    for (const line of data.toString().split('\n')) if (line) handle(JSON.parse(line));
  });
  ws.on('error', (err) => console.error(`tailcast: ${err.message}`)); // 'close' follows
  ws.on('close', (code) => {
    const wait = backoff / 2 + Math.random() * backoff / 2; // exponential backoff with jitter
    backoff = Math.min(backoff * 2, 30000);
    console.error(`tailcast: closed (${code}), reconnecting in ${Math.round(wait)} ms`);
    setTimeout(connect, wait);
  });
}

function handle(m) {
  switch (m.type) {
    case 'hello':
      backoff = 1000;
      console.error(`tailcast: connected: protocol ${m.version}, ${m.server}`);
      break;
    case 'entry':
      cursor = m.cursor;
      console.log(`${m.ts} ${m.level.padEnd(5)} ${m.service}: ${m.msg}${m.fields ? ' ' + JSON.stringify(m.fields) : ''}`);
      break;
    case 'gap': console.error(`tailcast: gap: ${m.missed} entries no longer held by the server`); break;
    case 'dropped': console.error(`tailcast: dropped: the server skipped ${m.count} entries (reading too slowly)`); break;
    case 'error': console.error(`tailcast: filter refused: ${m.error}`); break;
  }
}

// setFilter changes the filter without reconnecting.
function setFilter(f) {
  filter = f;
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'filter', ...f }));
}

connect();
setTimeout(() => { // e.g. from a UI: narrow to errors
  console.error('tailcast: filter: service=api level=error');
  setFilter({ service: 'api', level: 'error' });
}, 10000);
