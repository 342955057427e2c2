// Package multimatch finds which of a set of words occur in a text in one
// pass over the text, whatever the number of words: an Aho–Corasick
// automaton, compiled to a table of transitions over the words' byte
// classes. The pusher's match index uses it to search every entry for
// the anchor words of a thousand viewers' filters at once, where one
// strings.Contains per word cost a pass over the entry per word.
//
// Words are bytes, not runes: a word is found wherever its bytes occur,
// as strings.Contains finds it. A word past MaxDepth bytes is searched
// for by its first MaxDepth bytes and, where those occur, confirmed with
// strings.Contains; the words past MaxCells (the table's bound) are
// searched for one by one. Either way Find reports exactly the words that
// occur.
//
// A Matcher is immutable once built and safe for concurrent use; a Found
// holds one search's result and is for one goroutine at a time.
package multimatch
