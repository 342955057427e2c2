// The access token of a server run with --token. A browser cannot set an
// Authorization header on a websocket, so the viewer sends the token as the
// protocol's ?token= on the /ws URL.
//
// It comes from the page URL (?token=, removed from the address bar at once
// so a copied link does not leak it) or from the user when the server refuses
// the viewer with 401. It is kept in sessionStorage: for this tab only, gone
// when the tab closes (docs/configuration.md says why not a cookie).

const KEY = 'tailcast.token';

// takeToken splits a page search string into the token it carries ('' when
// none) and the search without it.
export function takeToken(search) {
  const p = new URLSearchParams(search);
  const token = p.get('token') || '';
  p.delete('token');
  const rest = p.toString();
  return { token, search: rest ? '?' + rest : '' };
}

export class TokenStore {
  // storage is a Storage-like object (sessionStorage), or null.
  constructor(storage) { this.storage = storage; this.mem = ''; }

  get() {
    try { return this.storage?.getItem(KEY) || this.mem; } catch { return this.mem; }
  }

  set(token) {
    this.mem = token;
    try {
      if (token) this.storage?.setItem(KEY, token); else this.storage?.removeItem(KEY);
    } catch { /* storage refused: kept in memory for this page */ }
  }
}

// TokenPrompt is the form that asks the user for the token after a 401.
export class TokenPrompt {
  // els: form (the prompt, hidden until asked), input, why (the reason
  // shown). onToken() follows a token entered: the viewer retries at once
  // rather than waiting out its backoff.
  constructor({ els, tokens, onToken }) {
    this.els = els;
    this.tokens = tokens;
    els.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = els.input.value.trim();
      if (!t) return;
      tokens.set(t);
      els.input.value = '';
      els.form.hidden = true;
      onToken();
    });
  }

  // ask shows the prompt: the token was missing, or the one kept for this
  // tab was refused (it is forgotten then, so a reload asks again).
  ask() {
    const had = this.tokens.get();
    this.tokens.set('');
    this.els.why.textContent = had ? 'The server refused this access token. Enter the right one:' : 'This server needs an access token:';
    this.els.form.hidden = false;
    this.els.input.value = '';
    this.els.input.focus();
  }
}
