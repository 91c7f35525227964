// Package splittest holds the inputs that test the splitter's guesses: the CSV that makes
// a chunk guess its quote state wrong, for the splitter's, the pipeline's and the query's
// tests of the re-read that corrects it.
package splittest

import (
	"bytes"

	"github.com/scattergather/scattergather/internal/split"
)

// LongQuotedCSV returns head, then the text of a quoted field longer than three
// speculation windows (split.SpecWindow) whose lines look like records (`"",""`, the
// text "","" inside quotes), then tail. head opens the quote and tail closes it, so a
// chunk cut inside the field guesses, from what it sees, that it starts unquoted: a
// wrong guess that reading it again from the previous chunk's end corrects.
func LongQuotedCSV(head, tail string) []byte {
	var b bytes.Buffer
	b.WriteString(head)
	for b.Len() < 3*split.SpecWindow {
		b.WriteString("\"\"\"\",\"\"\"\"\n")
	}
	b.WriteString(tail)
	return b.Bytes()
}
