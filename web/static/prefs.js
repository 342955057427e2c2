// Preferences: the time zone and the theme, kept in localStorage across
// visits (Prefs), and the toolbar buttons that change them (PrefButtons).
// Storage and elements are passed in (storage may be missing or throw in
// private modes), so the module runs under node's tests with plain objects.

export const THEMES = ['auto', 'dark', 'light'];

export class Prefs {
  // storage is a Storage-like object (getItem, setItem), or null.
  constructor(storage) { this.storage = storage; }

  get(k, dflt) {
    try { return this.storage?.getItem('tailcast.' + k) || dflt; } catch { return dflt; }
  }

  set(k, v) {
    try { this.storage?.setItem('tailcast.' + k, v); } catch { /* private mode: not kept */ }
  }

  get utc() { return this.get('tz', 'local') === 'utc'; }
  set utc(v) { this.set('tz', v ? 'utc' : 'local'); }

  // theme is the page URL's ?theme= when valid, else the saved one, else auto.
  theme(search = '') {
    const u = new URLSearchParams(search).get('theme');
    if (THEMES.includes(u)) return u;
    const t = this.get('theme', 'auto');
    return THEMES.includes(t) ? t : 'auto';
  }
}

// nextTheme cycles auto -> dark -> light -> auto.
export function nextTheme(t) {
  return THEMES[(THEMES.indexOf(t) + 1) % THEMES.length];
}

export function themeLabel(t) {
  return t === 'dark' ? '● dark' : t === 'light' ? '○ light' : '◐ auto';
}

// tzLabel is the time zone button's text and title.
export function tzLabel(utc) {
  return utc
    ? { text: 'UTC', title: 'Times in UTC (click for local time)' }
    : { text: 'local', title: 'Times in local time (click for UTC)' };
}

// levelColors reads the colours a theme gives the levels (--lv-LEVEL) and
// the axis (--muted) from a computed style: the canvases cannot use CSS.
export function levelColors(style, levels) {
  const colors = { axis: style.getPropertyValue('--muted').trim() };
  for (const l of levels) colors[l] = style.getPropertyValue('--lv-' + l).trim();
  return colors;
}

export class PrefButtons {
  // els: tz and theme, the toolbar buttons; root is the element whose
  // data-theme the stylesheet follows (document.documentElement); style()
  // is its computed style. view holds utc and theme, the values in force.
  // onTZ() follows a zone change; onColors(colors) a theme change, with the
  // level colours the theme now gives.
  constructor({ els, root, style, prefs, view, levels, onTZ, onColors }) {
    Object.assign(this, { els, root, style, prefs, view, levels, onTZ, onColors });
    els.tz.addEventListener('click', () => {
      view.utc = !view.utc;
      prefs.utc = view.utc;
      this.showTZ();
      onTZ();
    });
    els.theme.addEventListener('click', () => {
      view.theme = nextTheme(view.theme);
      prefs.set('theme', view.theme);
      this.applyTheme();
    });
  }

  showTZ() {
    const { text, title } = tzLabel(this.view.utc);
    this.els.tz.textContent = text;
    this.els.tz.title = title;
  }

  // applyTheme sets the page's theme (auto: none, the system's colours) and
  // passes on the colours it gives; it runs again when the system's
  // light/dark setting changes, which auto follows.
  applyTheme() {
    const theme = this.view.theme;
    if (theme === 'auto') delete this.root.dataset.theme;
    else this.root.dataset.theme = theme;
    this.els.theme.textContent = themeLabel(theme);
    this.els.theme.title = `Theme: ${theme} (click to change)`;
    this.onColors(levelColors(this.style(), this.levels));
  }
}
