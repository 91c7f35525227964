//go:build !amd64 || purego

package csvline

// marksBlocks is Marks over whole 64-byte blocks.
func marksBlocks(marks []uint64, data []byte, delim byte) { marksWords(marks, data, delim) }
