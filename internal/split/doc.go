// Package split reads the records a chunk owns: a chunk starting past byte 0
// skips to just after the first "\n" at or after start-1 and reads past its end
// to finish its last record, so every record belongs to exactly one chunk.
package split
