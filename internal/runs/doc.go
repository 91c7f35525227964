// Package runs writes, reads and merges sorted runs of (key, value) entries:
// the partial results of keyed jobs and their spill files, with an index of
// sample keys that lets a reader fetch one key range of a run.
package runs
