// The filter form: its inputs, when a change is applied (text after a
// pause, Enter at once, the level and "highlight only" at once, Escape
// clears a text input), and the message beside it (the server's refusal of
// a filter, in plain words, marking the input it is about). What a filter
// means and how it maps to the URL and the protocol is filters.js; app.js
// decides what applying one does (setFilter).

// DEBOUNCE_MS is how long typing pauses before a text filter applies.
export const DEBOUNCE_MS = 350;

// HL_PREFIX starts the form's own message about highlight-only, which it
// clears itself when highlight-only is off again.
export const HL_PREFIX = 'Highlight only';

export class FilterForm {
  // els: form, fError, q, re, level, service, host, hl. current(): the
  // view's filter (its pattern terms are the Patterns panel's, kept).
  // apply(f): apply the filter the inputs say.
  constructor({ els, current, apply }) {
    this.els = els;
    this.current = current;
    this.apply = apply;
    this.refusedByServer = false; // the message shown is the server's
    this.timer = 0;
    this.inputs = [els.re, els.q, els.level, els.service, els.host];
    els.form.addEventListener('input', (ev) => {
      const immediate = ev.target === els.level || ev.target === els.hl;
      this.later(immediate ? 0 : DEBOUNCE_MS);
    });
    // Enter applies at once (the form has no submit button, so no implicit submit).
    els.form.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter' || ev.target instanceof HTMLButtonElement) return;
      ev.preventDefault();
      this.now();
    });
    els.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.now();
    });
  }

  later(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.apply(this.read()), ms);
  }

  // now applies the inputs at once, dropping a pending delayed apply.
  now() {
    clearTimeout(this.timer);
    this.apply(this.read());
  }

  // clearInput empties a text input of the form and applies that at once
  // (Escape; a search input clears itself without an input event). It
  // reports whether t was one.
  clearInput(t) {
    if (!this.els.form.contains(t) || (t.type !== 'search' && t.type !== 'text')) return false;
    t.value = '';
    this.now();
    return true;
  }

  read() {
    const els = this.els;
    const f = this.current();
    return {
      q: els.q.value, re: els.re.value.trim(), level: els.level.value,
      service: els.service.value.trim(), host: els.host.value.trim(), hl: els.hl.checked,
      pattern: f.pattern || '', not_pattern: f.not_pattern || '', // set by the Patterns panel
    };
  }

  write(f) {
    const els = this.els;
    els.q.value = f.q; els.re.value = f.re; els.level.value = f.level;
    els.service.value = f.service; els.host.value = f.host; els.hl.checked = f.hl;
  }

  // error shows text next to the filters, marking the input of field.
  error(field, text) {
    const els = this.els;
    els.fError.textContent = text;
    els.fError.hidden = false;
    const input = { re: els.re, q: els.q, level: els.level, service: els.service, host: els.host }[field];
    for (const el of this.inputs) {
      el.setCustomValidity(el === input ? text : '');
      if (el === input) el.setAttribute('aria-describedby', 'f-error'); else el.removeAttribute('aria-describedby');
    }
  }

  // refused shows the server's refusal (refusal() in filters.js).
  refused(r) {
    this.error(r.field, r.text);
    this.refusedByServer = true;
  }

  clear() {
    this.refusedByServer = false;
    const els = this.els;
    if (els.fError.hidden) return;
    els.fError.hidden = true;
    els.fError.textContent = '';
    for (const el of this.inputs) { el.setCustomValidity(''); el.removeAttribute('aria-describedby'); }
  }

  // highlightOnly says, or stops saying, that the browser cannot mark
  // matches of f's regular expression (ok: it can).
  highlightOnly(f, ok) {
    if (f.hl && f.re && !ok) this.error('re', `${HL_PREFIX}: this browser cannot use this regular expression to mark matches (the server filter can: untick "highlight only").`);
    else if (f.hl && this.els.fError.textContent.startsWith(HL_PREFIX)) this.clear();
  }
}

// describeFilter is f in a few words, for the markers in the stream.
export function describeFilter(f) {
  const p = [];
  if (f.service) p.push(`service=${f.service}`);
  if (f.host) p.push(`host=${f.host}`);
  if (f.level) p.push(`level≥${f.level}`);
  if (f.q) p.push(`${f.hl ? 'highlight ' : ''}text "${f.q}"`);
  if (f.re) p.push(`${f.hl ? 'highlight ' : ''}regex /${f.re}/`);
  if (f.pattern) p.push(`pattern ${f.pattern}`);
  if (f.not_pattern) p.push(`muted ${f.not_pattern.split(',').length} pattern(s)`);
  return p.length ? p.join(', ') : 'everything';
}
