package jobs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"io"
	"testing"
)

// TestSQLOldStatesRefused: a group's sums travel in binary since the states'
// encoding version 2 (sqlStatesVersion, in the fingerprint), so a partial
// of the same query written before (its fingerprint without the version,
// its sums as text) is refused as corrupt, not misread, both as the groups
// of a magicSQL partial and as a GROUP BY ... ORDER BY's sorted runs; the
// partial as written now gives the exact sums.
func TestSQLOldStatesRefused(t *testing.T) {
	csv := []byte("ip,rev\na,1.50\nb,2\na,-0.25\nb,99999999999999999999.5\n")
	want := "ip,sum(rev),avg(rev)\na,1.25,0.625\nb,100000000000000000001.5,5e+19\n"
	for _, q := range []string{
		"SELECT ip, sum(rev), avg(rev) FROM 'x' GROUP BY ip",
		"SELECT ip, sum(rev), avg(rev) FROM 'x' GROUP BY ip ORDER BY ip",
	} {
		t.Run(q, func(t *testing.T) {
			j, err := New("sql", Params{"query": q})
			if err != nil {
				t.Fatal(err)
			}
			var partial bytes.Buffer
			if _, err := feedObject(t, j, csv).Finish(&partial); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if _, err := j.Output(&out, []io.Reader{bytes.NewReader(partial.Bytes())}); err != nil {
				t.Fatal(err)
			}
			if out.String() != want {
				t.Fatalf("output %q, want %q", out.String(), want)
			}

			// The fingerprint of the same query before the version was
			// hashed in, where the partial has the fingerprint.
			var sj *sqlJob
			switch j := j.(type) {
			case *sqlJob:
				sj = j
			case *sqlGroupJob:
				sj = j.sqlJob
			case *sqlGroupSortJob:
				sj = j.sqlJob
			default:
				t.Fatalf("job %T", j)
			}
			h := fnv.New64a()
			h.Write([]byte(sj.query.String()))
			h.Write([]byte{0})
			h.Write([]byte(sj.schema.String()))
			fp := binary.BigEndian.AppendUint64(nil, sj.fp)
			old := bytes.Clone(partial.Bytes())
			at := bytes.Index(old, fp)
			if at < 0 {
				t.Fatalf("no fingerprint %x in the partial", fp)
			}
			copy(old[at:], binary.BigEndian.AppendUint64(nil, h.Sum64()))
			out.Reset()
			_, err = j.Output(&out, []io.Reader{bytes.NewReader(old)})
			if !errors.Is(err, ErrCorruptPartial) {
				t.Fatalf("a partial of the older encoding: error %v, want ErrCorruptPartial", err)
			}
			t.Log(err)
		})
	}
}
