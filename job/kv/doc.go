// Package kv is the typed key/value form of a job: a map function emits
// (K, V) pairs, an associative Combine merges two values of one key, and
// Format turns a pair into an output line. The framework does the rest:
// map-side combining, spilling sorted runs to disk when a chunk's keys do not
// fit in memory, the partial encoding, the sorted merge and the gather.
// Output lines come in the byte order of the encoded keys.
package kv
