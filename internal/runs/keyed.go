package runs

import (
	"bufio"
	"io"
	"strconv"
)

// Keyed is a job whose partials are runs: (key, value) entries sorted by
// key, whose output is one line (or more) per key in key order. The
// framework merges such partials itself, and can gather them by key range,
// in parallel, each range a part of the output.
type Keyed interface {
	// CombineValues appends to dst the one value that combines values (a
	// key's, from several runs, in run order).
	CombineValues(dst, key []byte, values [][]byte) ([]byte, error)
	// OutputHeader is what the output holds before its first line.
	OutputHeader() []byte
	// AppendOutput appends the output of one key and its combined value.
	AppendOutput(dst, key, value []byte) ([]byte, error)
}

// ValuesOutput is a Keyed that writes a key's output from its values as
// they stand, without first combining them into one value (which it would
// decode again).
type ValuesOutput interface {
	// AppendOutputValues appends the output of one key whose values
	// (from several runs, in run order) combine as CombineValues does.
	AppendOutputValues(dst, key []byte, values [][]byte) ([]byte, error)
}

// HeaderEntries is a Keyed whose runs may hold the output's header as an
// entry (of a key below every line's, so it comes first wherever the key
// ranges are cut): its output is written but not counted as a line.
type HeaderEntries interface {
	HeaderEntry(key []byte) bool
}

// MergeTo merges readers into one run on w, combining each key's values,
// and returns its entries.
func MergeTo(w io.Writer, k Keyed, readers []*Reader) (int64, error) {
	return MergeTaggedTo(w, k, readers, nil)
}

// MergeTaggedTo is MergeTo writing a run tagged tag (NewTaggedWriter).
func MergeTaggedTo(w io.Writer, k Keyed, readers []*Reader, tag []byte) (int64, error) {
	rw := NewTaggedWriter(w, tag)
	var buf []byte
	err := Merge(readers, func(key []byte, vals [][]byte) error {
		v := vals[0]
		if len(vals) > 1 {
			var err error
			if buf, err = k.CombineValues(buf[:0], key, vals); err != nil {
				return err
			}
			v = buf
		}
		return rw.Add(key, v)
	})
	if err != nil {
		return 0, err
	}
	return rw.Count(), rw.Close()
}

// OutputTo merges readers and writes the output lines of their keys to w,
// after the job's header when header is true (the first part of an
// output), and returns the lines written: the keys whose output is not
// empty (a job may write nothing for a key, as a sql HAVING drops a group).
func OutputTo(w io.Writer, k Keyed, readers []*Reader, header bool) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if header {
		bw.Write(k.OutputHeader())
	}
	var line, buf []byte
	var n int64
	vo, _ := k.(ValuesOutput)
	he, _ := k.(HeaderEntries)
	err := Merge(readers, func(key []byte, vals [][]byte) error {
		var err error
		switch {
		case vo != nil:
			line, err = vo.AppendOutputValues(line[:0], key, vals)
		case len(vals) > 1:
			if buf, err = k.CombineValues(buf[:0], key, vals); err == nil {
				line, err = k.AppendOutput(line[:0], key, buf)
			}
		default:
			line, err = k.AppendOutput(line[:0], key, vals[0])
		}
		if err != nil {
			return err
		}
		if len(line) > 0 && (he == nil || !he.HeaderEntry(key)) {
			n++
		}
		_, err = bw.Write(line)
		return err
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// Readers opens a run reader on each partial; name prefixes their names in
// errors.
func Readers(partials []io.Reader, name string) ([]*Reader, error) {
	rs := make([]*Reader, len(partials))
	for i, p := range partials {
		r, err := NewReader(p, name+" partial "+strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		rs[i] = r
	}
	return rs, nil
}
