// The pointer on the rows: hovering an entry's row builds its actions (its
// permalink is built then, not on every fill); a click on an action copies
// the line, opens its context, adds a field filter or copies the permalink;
// a click elsewhere in the row opens or closes it, unless the click is part
// of selecting text.

// DOUBLE_CLICK_MS is how long a click on an open row waits before closing
// it: an open row is being read, and the first click of a double click that
// selects a value must not close it.
export const DOUBLE_CLICK_MS = 300;

// rowAction names what a click on target, inside an entry's row, asks for:
// 'copy', 'context', 'field', 'link', or '' (open or close the row). A
// field's value is an action only when the entry has fields (hasFields).
export function rowAction(target, hasFields) {
  if (target.closest('.copy')) return 'copy';
  if (target.closest('.show-ctx')) return 'context';
  if (hasFields && target.closest('.fv')) return 'field';
  if (target.closest('.link')) return 'link';
  return '';
}

// installPointer listens on rowsEl, the rows' container. ring holds the
// items; selected() is the text selected on the page ('' when none). on
// has what the actions do: showActs(row), copy(item), context(item),
// field(key, value, negate), link(seq), toggle(seq, open).
export function installPointer(rowsEl, { ring, selected, on }) {
  rowsEl.addEventListener('pointerover', (ev) => {
    const row = ev.target.closest('.row');
    if (row && row._seq >= 0 && ring.get(row._seq)?.k === 0) on.showActs(row);
  });

  let collapseTimer = 0;
  rowsEl.addEventListener('click', (ev) => {
    const row = ev.target.closest('.row');
    if (!row || row._seq < 0) return;
    const item = ring.get(row._seq);
    if (!item || item.k !== 0) return;
    switch (rowAction(ev.target, !!item.fields)) {
      case 'copy': on.copy(item); return;
      case 'context': on.context(item); return;
      case 'field': {
        const fv = ev.target.closest('.fv');
        on.field(fv.dataset.key, item.fields[fv.dataset.key], fv.dataset.neg === '1');
        return;
      }
      case 'link': ev.preventDefault(); on.link(row._seq); return;
    }
    // Selecting text, not toggling: a drag, or the second and third clicks
    // of a double or triple click.
    if (ev.detail > 1 || selected()) { clearTimeout(collapseTimer); return; }
    if (item.open) {
      clearTimeout(collapseTimer);
      const seq = row._seq;
      collapseTimer = setTimeout(() => { if (!selected()) on.toggle(seq, false); }, DOUBLE_CLICK_MS);
      return;
    }
    on.toggle(row._seq, true);
  });
}
