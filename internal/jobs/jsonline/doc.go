// Package jsonline validates one JSON Lines record and lists its top-level
// members without allocating, decoding strings exactly as encoding/json does.
package jsonline
