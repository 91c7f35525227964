package blob

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestFullBody: a GetObject body that ends before its Content-Length,
// at EOF or at net/http's io.ErrUnexpectedEOF, reads as ErrCutShort (and
// not io.ErrUnexpectedEOF) on every read after the cut; one that holds its
// Content-Length ends at io.EOF; any other error is passed on as it is.
func TestFullBody(t *testing.T) {
	cases := []struct {
		name string
		body io.Reader
		left int64
		want error // nil: the whole body, then io.EOF
	}{
		{"whole", strings.NewReader("abcdef"), 6, nil},
		{"whole, one byte a read", iotest.OneByteReader(strings.NewReader("abcdef")), 6, nil},
		{"EOF early", strings.NewReader("abc"), 6, ErrCutShort},
		{"EOF with the last bytes", iotest.DataErrReader(strings.NewReader("abc")), 6, ErrCutShort},
		{"unexpected EOF", io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(io.ErrUnexpectedEOF)), 6, ErrCutShort},
		{"another error", io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(iotest.ErrTimeout)), 6, iotest.ErrTimeout},
	}
	for _, c := range cases {
		b := &fullBody{ReadCloser: io.NopCloser(c.body), left: c.left, loc: "s3://b/k"}
		got, err := io.ReadAll(b)
		if c.want == nil {
			if err != nil || string(got) != "abcdef" {
				t.Errorf("%s: %q, %v; want the body, no error", c.name, got, err)
			}
			if n, err := b.Read(make([]byte, 4)); n != 0 || err != io.EOF {
				t.Errorf("%s: a read after the end: %d, %v; want io.EOF", c.name, n, err)
			}
			continue
		}
		if string(got) != "abc" || !errors.Is(err, c.want) || errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: %q, %v; want \"abc\" then %v", c.name, got, err, c.want)
		}
		if c.want != ErrCutShort {
			continue
		}
		if !strings.Contains(err.Error(), "s3://b/k") {
			t.Errorf("%s: %v does not name the object", c.name, err)
		}
		if _, err := b.Read(make([]byte, 4)); !errors.Is(err, ErrCutShort) {
			t.Errorf("%s: a read after the cut: %v, want ErrCutShort", c.name, err)
		}
	}
}
