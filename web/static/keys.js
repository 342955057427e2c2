// The keyboard: / searches, Space pauses or follows, End goes live, Home
// goes to the oldest line held; in a text input keys are text, and Escape
// there clears a filter input (form.js) and leaves it.

// TEXT_INPUTS are the input types where keys are text. A checkbox or a
// button that keeps the focus after a click is not: Space there pauses, as
// everywhere else, instead of pressing it again.
export const TEXT_INPUTS = new Set(['text', 'search', 'password', 'email', 'url', 'tel', 'number']);

// keyAction names what a key does outside text inputs: 'search', 'pause'
// (pause or follow), 'live', 'oldest', or '' for nothing.
export function keyAction({ key, ctrlKey = false, metaKey = false, altKey = false }) {
  if (ctrlKey || metaKey || altKey) return '';
  return { '/': 'search', ' ': 'pause', End: 'live', Home: 'oldest' }[key] || '';
}

// installKeys listens on doc. escape(t) handles Escape in a text input t;
// actions maps keyAction's names to what they do.
export function installKeys(doc, { escape, actions }) {
  doc.addEventListener('keydown', (ev) => {
    const t = ev.target;
    const typing = (t instanceof HTMLInputElement && TEXT_INPUTS.has(t.type)) || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
    if (typing) {
      if (ev.key === 'Escape') {
        if (escape(t)) ev.preventDefault();
        t.blur();
      }
      return;
    }
    const a = keyAction(ev);
    if (!a) return;
    // No button press, no checkbox toggle, no page scroll.
    ev.preventDefault();
    actions[a]();
  });
}
