package pipeline

import (
	"io"

	"github.com/scattergather/scattergather/internal/codec"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/job"
)

// encodedOutput reports an output the gather encodes rather than writes as
// the job's bytes: compressed (.gz, .zst) or Parquet (.parquet).
func encodedOutput(output string) bool {
	return codec.Of(output) != "" || pq.IsParquetName(output)
}

// WriteOutput writes the job's output to w through the encoding its name
// asks for: as it is, compressed, or converted to Parquet (typed by the job
// when it says how: pq.Typed).
func WriteOutput(w io.Writer, output string, j job.Job, write func(io.Writer) error) error {
	var enc io.WriteCloser
	switch {
	case pq.IsParquetName(output):
		var (
			c   *pq.CSVToParquet
			err error
		)
		if t, ok := j.(pq.Typed); ok {
			c, err = pq.NewTypedCSVToParquet(w, t)
		} else {
			c, err = pq.NewCSVToParquet(w, nil)
		}
		if err != nil {
			return err
		}
		enc = c
	case codec.Of(output) != "":
		zw, err := codec.Writer(codec.Of(output), w)
		if err != nil {
			return err
		}
		enc = zw
	default:
		return write(w)
	}
	if err := write(enc); err != nil {
		enc.Close()
		return err
	}
	return enc.Close()
}
