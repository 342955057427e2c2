// Package patterns mines log templates online, one message at a time, in
// the spirit of Drain (He et al., ICWS 2017; logpai/Drain3): a line such as
// "Failed password for root from 10.0.0.1 port 22 ssh2" joins the pattern
// "Failed password for <*> from <*> port <*>". One configuration serves
// every log: nothing here knows a format, and the defaults are not meant to
// be tuned per log.
//
// # How a line is mined
//
// A line (a log entry's message, as internal/parse gives it) is split on
// white space into tokens; a quoted value is one token even with spaces in
// it. Within a token, delimiters (= , ; brackets quotes |) cut it into
// pieces, and each piece is masked by hand-written scanners, not regular
// expressions. The rules, each one any log would justify:
//
//   - A piece that is a path (/var/log/x, ~/x, C:\x, \\host\x), a URL
//     (scheme://), a dotted name (proxy.example.com, chrome.exe,
//     com.android.systemui, a Java logger) or not UTF-8 is a value.
//   - Else the piece is cut at the separators of ids and addresses
//     (. _ - + : / @ # $ * \), a sign kept with the number after it, and
//     each part that holds a digit is a value: numbers, hex, UUIDs, IPs,
//     host:port, durations, sizes, versions, dates, block ids (blk_-42 gives
//     blk_<*>). A piece of more values than words ("R02-M1-N0-C:J12-U11",
//     "rdd_2_3") is one value.
//   - A token of values and punctuation only is one value, and a run of such
//     tokens (a date and a time, "[10.30 16:49:06]") is a single value: its
//     length follows the values, not the message.
//
// Lines are then grouped as in Drain: by token count, then by their first
// Depth tokens in a prefix tree, then by similarity to the patterns of that
// leaf: the share of the pattern's constant tokens the line matches,
// position by position, where positions in which both hold the same value
// are left out (they say nothing either way). The most similar pattern at
// or above Similarity is the line's. Two rules differ from Drain:
//
//   - Values never count for or against a match, so lines full of numbers
//     and headers are judged by their words.
//   - A word becomes a variable only once MinWords distinct words were seen
//     in its place. A line like a pattern but for some words starts a
//     pattern of its own in that pattern's family; when each place it
//     differs in has shown MinWords words, the family's patterns that differ
//     only there fold into one pattern with <*> in those places. So "client
//     SPP" and "client WindowsUpdateAgent" stay two messages while
//     "user root", "user admin", "user test", "user oracle" become one.
//
// # Ids
//
// A pattern's id is ID(template): 16 hex digits of the 64-bit FNV-1a hash
// of its template text, so the same template has the same id in every
// process, across restarts and replicas, whatever the arrival order. A
// template generalises as lines join it, and so its id changes; the
// *Pattern that Add returned follows: ID, Template and Count always answer
// for the pattern as it stands now, also for a pattern folded into another
// (it answers for the one it joined). Keeping each line's *Pattern and
// asking its ID once all lines are mined gives every line its final pattern
// (tailcast patterns --lines does this). A server that keys counts by id
// should re-read ID when it reports and merge what shares an id.
//
// # Memo
//
// Most lines of a service come in a few dozen masked forms. A Miner
// remembers, in a table of 128 slots, the pattern each recent masked line
// joined without changing it, and answers a line masked the same way from
// there, skipping the prefix tree and the similarity scan. Any line that
// creates, changes or folds a pattern bumps the Miner's generation, which
// invalidates the whole table, so the answer is always the one the full
// path would give (TestMemoSameAsFullPath checks it line by line on the
// loghub samples). Only masked lines of up to 1 KiB are recorded, so the
// memo holds about 200 KB at most.
//
// # Bounds
//
// A Miner holds at most MaxPatterns patterns; creating one more evicts the
// least recently seen, counted in Stats.Evicted (an evicted pattern keeps
// its last template and id). Only a line's first MaxLineBytes bytes and
// first MaxTokens tokens are mined (the rest is one trailing <*>), a quote
// is looked for within 512 bytes, a family holds at most 64 patterns, and
// the prefix tree is pruned with the patterns it holds. A template is at
// most three times its line's bytes (a one-digit value becomes <*>), kept
// twice (tokens and text), so a miner holds at most about MaxPatterns × 6 ×
// MaxLineBytes (25 MB at the defaults) however hostile its input, and far
// less for real lines. Adding a line to a warm miner allocates nothing unless it creates
// or changes a pattern.
//
// # Concurrency
//
// A Miner is not safe for concurrent use, and a Pattern reads its Miner's
// state. The intended use is one Miner per service, owned by the goroutine
// that consumes that service's entries (or guarded by one mutex with the
// Patterns it returned): services then never contend, and one noisy service
// fills only its own MaxPatterns. Different Miners share nothing.
//
// Accuracy on the loghub samples and speed are in docs/BENCHMARKS.md
// (Patterns).
package patterns
