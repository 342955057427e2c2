// The viewer's actions on what it holds: copying text (a line as written,
// a permalink) and downloading every loaded entry as NDJSON.

import { asWritten } from './format.js';

// copyText puts text on the clipboard. Plain http on a non-local host has
// no async clipboard: a selected textarea and execCommand stand in.
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
}

// ndjsonLines are the ring's entries as the protocol's entry objects, and
// its gap and dropped markers, one JSON line each, oldest first.
export function ndjsonLines(ring, levels) {
  const parts = [];
  ring.forEach((it) => {
    if (it.k === 0) {
      const o = { type: 'entry', cursor: it.cursor, ts: it.ts, service: it.service, host: it.host, source: it.source, level: levels[it.level], msg: it.msg };
      if (it.fields) o.fields = it.fields;
      o.line = asWritten(it);
      if (it.lineBytes) o.line_bytes = it.lineBytes;
      if (it.truncated) o.truncated = true;
      parts.push(JSON.stringify(o) + '\n');
    } else if (it.kind === 'gap' || it.kind === 'dropped') {
      parts.push(JSON.stringify(it.kind === 'gap' ? { type: 'gap', text: it.text } : { type: 'dropped', text: it.text }) + '\n');
    }
  });
  return parts;
}

// downloadName is the file name of a download made at ms.
export function downloadName(ms) {
  return `tailcast-${new Date(ms).toISOString().replace(/[:.]/g, '-')}.ndjson`;
}

// download saves lines as an NDJSON file.
export function download(lines, name) {
  const url = URL.createObjectURL(new Blob(lines, { type: 'application/x-ndjson' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
