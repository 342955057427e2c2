// Conn keeps one websocket to the server open: it reconnects with
// exponential backoff (0.5 s doubling to 30 s) with jitter, and resumes strictly after the last
// cursor it delivered (the protocol's since=), so nothing is lost or repeated
// across a disconnect or a server restart.

const BASE_MS = 500;
const CAP_MS = 30000;
// A connection that stays up this long resets the backoff.
const STABLE_MS = 5000;
const SLICE_MS = 5;
const HIGH_WATER = 32 << 20; // queued bytes

function stats(c, bytes) {
  if (bytes > c.maxFrameBytes) c.maxFrameBytes = bytes;
  c.frames = (c.frames || 0) + 1;
}

export class Conn {
  // urlFor(since) builds the websocket URL; onObject gets each decoded server
  // object, in order; onState(state, detail) reports "connecting", "live", "waiting"
  // (detail: {attempt, delayMs, reason}), "locked" (the server answered 401:
  // no retry until retryNow, after onUnauthorized got a token) and "closed".
  constructor({ urlFor, onObject, onState, onUnauthorized }) {
    this.urlFor = urlFor;
    this.onObject = onObject;
    this.onState = onState;
    this.onUnauthorized = onUnauthorized;
    this.ws = null;
    this.attempt = 0;
    this.timer = 0;
    this.openedAt = 0;
    this.lastCursor = '';
    this.stopped = false;
    this.opens = 0;
    this.state = 'idle';
    this.hello = false;
    this.pending = ''; // a message for the socket being opened (send)
    // Frames wait here and are decoded in slices of at most SLICE_MS, so a
    // 1 MB frame of 4,000 entries never makes one long main-thread task.
    this.queue = [];
    this.queued = 0;
    this.draining = false;
    this.channel = new MessageChannel();
    this.channel.port1.onmessage = () => { this.draining = false; this.drain(SLICE_MS); };
    this.maxFrameObjects = 0;
    this.maxFrameBytes = 0;
  }

  scheduleDrain() {
    if (this.draining || this.queue.length === 0) return;
    this.draining = true;
    this.channel.port2.postMessage(0);
  }

  // drain decodes queued objects for about budgetMs.
  drain(budgetMs) {
    const t0 = performance.now();
    let n = 0;
    while (this.queue.length > 0) {
      const f = this.queue[0];
      const text = f.text;
      while (f.pos < text.length) {
        let end = text.indexOf('\n', f.pos);
        if (end < 0) end = text.length;
        if (end > f.pos) this.decode(text.slice(f.pos, end));
        f.pos = end + 1;
        if ((++n & 15) === 0 && performance.now() - t0 > budgetMs) {
          this.scheduleDrain();
          return;
        }
      }
      this.queue.shift();
      this.queued -= text.length;
    }
  }

  decode(line) {
    let obj;
    try { obj = JSON.parse(line); } catch { return; }
    if (!obj || typeof obj !== 'object') return;
    if (obj.type === 'hello') {
      this.hello = true;
      this.setState('live', { server: obj.server, version: obj.version });
    }
    if (obj.type === 'entry' && typeof obj.cursor === 'string') this.lastCursor = obj.cursor;
    this.onObject(obj);
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) { this.ws.onclose = null; this.ws.close(1000); this.ws = null; }
    this.setState('closed');
  }

  setState(s, detail) {
    this.state = s;
    this.detail = detail || {};
    this.onState(s, this.detail);
  }

  // retryNow skips the remaining backoff delay, or tries again after a 401.
  retryNow() {
    if (this.state !== 'waiting' && this.state !== 'locked') return;
    clearTimeout(this.timer);
    this.connect();
  }

  // send sends text if the socket is open, or as soon as the one being
  // opened is (the last text given wins: a filter replaces the one before).
  // It returns false when no socket is open or opening: the next
  // connection's URL (urlFor) carries the current filter anyway.
  send(text) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) { this.ws.send(text); return true; }
    if (this.ws && this.ws.readyState === WebSocket.CONNECTING) { this.pending = text; return true; }
    return false;
  }

  connect() {
    clearTimeout(this.timer);
    // Everything received must be decoded before resuming after it.
    this.drain(Infinity);
    this.setState('connecting', { attempt: this.attempt });
    let ws;
    try {
      ws = new WebSocket(this.urlFor(this.lastCursor));
    } catch (e) {
      this.schedule(String(e.message || e));
      return;
    }
    this.ws = ws;
    this.hello = false;
    this.pending = '';
    ws.onopen = () => {
      this.openedAt = performance.now(); this.opens++;
      if (this.pending) { ws.send(this.pending); this.pending = ''; }
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string' || this.ws !== ws) return;
      this.queue.push({ text: ev.data, pos: 0 });
      this.queued += ev.data.length;
      stats(this, ev.data.length);
      // Far behind: decode now, which blocks and so lets the socket push
      // back, rather than queue without bound.
      if (this.queued > HIGH_WATER) this.drain(Infinity);
      else this.scheduleDrain();
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      const lived = this.openedAt && performance.now() - this.openedAt;
      if (this.hello && lived >= STABLE_MS) this.attempt = 0;
      this.openedAt = 0;
      const reason = ev.reason || closeText(ev.code);
      this.schedule(reason, ev.code, this.hello);
      // A refused upgrade (400 bad filter, 401, 403, 429) is invisible to the
      // WebSocket API; ask the same URL over plain HTTP for the reason. The
      // server checks the token before anything else, so 401 means the token
      // (missing or wrong), and a plain GET with the right one gets a 4xx for
      // not being an upgrade.
      if (!lived) this.explain(ws.url);
    };
  }

  async explain(url) {
    try {
      const res = await fetch(url.replace(/^ws/, 'http'), { cache: 'no-store' });
      if (res.status === 401 && this.onUnauthorized && this.state !== 'live' && !this.stopped) {
        // Retrying cannot help: wait for a token. A retry already under way
        // would be refused the same way.
        clearTimeout(this.timer);
        if (this.ws) { this.ws.onclose = null; this.ws.close(); this.ws = null; }
        this.attempt = 0;
        this.setState('locked', { refused: '401 access token required' });
        this.onUnauthorized();
        return;
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 426) {
        const text = (await res.text()).trim().slice(0, 300);
        if (this.state === 'waiting') this.setState('waiting', { ...this.detail, refused: `${res.status} ${text}` });
      }
    } catch { /* server down: the state already says so */ }
  }

  schedule(reason, code, wasOpen) {
    const n = this.attempt++;
    const ceil = Math.min(CAP_MS, BASE_MS * 2 ** n);
    // Jitter (half to all of the ceiling) spreads a crowd of viewers reconnecting after a restart.
    const delayMs = Math.round(ceil / 2 + Math.random() * ceil / 2);
    this.setState('waiting', { attempt: this.attempt, delayMs, reason, code, wasOpen, until: Date.now() + delayMs });
    this.timer = setTimeout(() => this.connect(), delayMs);
  }
}

function closeText(code) {
  switch (code) {
    case 1000: return 'closed';
    case 1001: return 'server going away';
    case 1006: return 'connection lost';
    case 1008: return 'disconnected by server (too slow, too costly a filter, or an invalid message)';
    case 1009: return 'message too large';
    case 1011: return 'server error';
    case 4000: return 'idle timeout (the server heard nothing from this page)';
    default: return `closed (${code})`;
  }
}
