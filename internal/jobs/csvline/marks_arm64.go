//go:build arm64 && !purego

package csvline

// marksNEON is Marks over n whole 64-byte blocks of data into marks
// (marks_arm64.s).
//
//go:noescape
func marksNEON(marks *uint64, data *byte, n int, delim byte)

// marksBlocks is Marks over whole 64-byte blocks.
func marksBlocks(marks []uint64, data []byte, delim byte) {
	if len(marks) > 0 {
		marksNEON(&marks[0], &data[0], len(marks), delim)
	}
}

// marksForm names the form of Marks this build runs (TestMarksForm).
const marksForm = "neon"
