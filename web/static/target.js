// The permalink target: a link opens paused on its line (permalink.js).
// The server replays from the link's since, so the linked line comes among
// the first entries. When the replay is over (nothing more for
// TARGET_IDLE_MS) or TARGET_GIVE_UP_MS went by without it, the line is no
// longer held (Kafka retention, or the server's memory for a link without
// since): the viewer says so and shows the nearest line after it, instead
// of waiting for ever. Pure functions: app.js holds the state.

export const TARGET_IDLE_MS = 1500;
export const TARGET_GIVE_UP_MS = 8000;

// givenUp reports whether to stop waiting for the linked line at now
// (performance.now() times): lastEntryAt is when the last entry came (0:
// none yet), helloAt when the connection said hello.
export function givenUp({ now, lastEntryAt, helloAt }) {
  const idle = lastEntryAt ? now - lastEntryAt : now - helloAt;
  return !(idle < TARGET_IDLE_MS && now - helloAt < TARGET_GIVE_UP_MS);
}

// goneText is the notice for a linked line that did not come: missed says
// whether Kafka reported a gap, nearest whether a line after it is shown.
export function goneText(missed, nearest) {
  const why = missed ? 'Kafka no longer has it' : 'the server no longer holds it';
  return nearest
    ? `The linked line is no longer available (${why}): showing from the nearest line after it.`
    : `The linked line is no longer available (${why}), nor anything after it: following live.`;
}
