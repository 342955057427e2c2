// Preferences: the time zone and the theme, kept in localStorage across
// visits. Storage is passed in (it may be missing or throw in private
// modes), so the module runs under node's tests with a plain object.

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
