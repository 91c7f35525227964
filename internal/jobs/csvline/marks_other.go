//go:build (!amd64 && !arm64) || purego

package csvline

// marksBlocks is Marks over whole 64-byte blocks.
func marksBlocks(marks []uint64, data []byte, delim byte) { marksWords(marks, data, delim) }

// marksForm names the form of Marks this build runs (TestMarksForm).
const marksForm = "go"
