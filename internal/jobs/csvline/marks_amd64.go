//go:build amd64 && !purego

package csvline

// marksSSE2 is Marks over n whole 64-byte blocks of data into marks, delims
// being Word(delim) (marks_amd64.s).
//
//go:noescape
func marksSSE2(marks *uint64, data *byte, n int, delims uint64)

// marksBlocks is Marks over whole 64-byte blocks.
func marksBlocks(marks []uint64, data []byte, delim byte) {
	if len(marks) > 0 {
		marksSSE2(&marks[0], &data[0], len(marks), Word(delim))
	}
}

// marksForm names the form of Marks this build runs (TestMarksForm).
const marksForm = "sse2"
