package pipeline

import (
	"time"

	"github.com/scattergather/scattergather/internal/jobs"
)

// Summary is the job summary written beside the final output.
type Summary struct {
	JobID     string      `json:"jobId"`
	Job       string      `json:"job"`
	Params    jobs.Params `json:"params"`
	Status    string      `json:"status"`
	Inputs    []string    `json:"inputs"`
	Output    string      `json:"output"`
	Chunks    int         `json:"chunks"`
	BytesIn   int64       `json:"bytesIn"`
	BytesRead int64       `json:"bytesRead"`
	// BytesSkipped are Parquet bytes the mappers did not read (other
	// columns, pruned row groups and pages); RowGroupsPruned of RowGroups
	// were ruled out by their statistics.
	BytesSkipped    int64 `json:"bytesSkipped,omitempty"`
	RowGroups       int64 `json:"rowGroups,omitempty"`
	RowGroupsPruned int64 `json:"rowGroupsPruned,omitempty"`
	// FilesPruned inputs, of BytesPruned bytes, the planner left out: their
	// Hive partitions' values cannot pass the job's filter (jobs.PrunedParam).
	FilesPruned int64 `json:"filesPruned,omitempty"`
	BytesPruned int64 `json:"bytesPruned,omitempty"`
	// ParquetBytesRead is the part of BytesRead the mappers fetched from
	// Parquet inputs (their footers included), where a job's inputs mix
	// Parquet with text.
	ParquetBytesRead int64            `json:"parquetBytesRead,omitempty"`
	RecordsIn        int64            `json:"recordsIn"`
	RecordsOut       int64            `json:"recordsOut"`
	Skipped          int64            `json:"skipped"`
	SkipReasons      map[string]int64 `json:"skipReasons,omitempty"`
	// SkipExamples is, per skip reason, the first record skipped under it
	// in input order: its source, byte offset and what was wrong (jobs.Stats).
	SkipExamples map[string]string `json:"skipExamples,omitempty"`
	// Runs counts how often the job was opened (resumes and redrives add one).
	Runs int `json:"runs"`
	// MapMillis sums the committed mappers' durations; MaxChunkMillis is the slowest.
	MapMillis      int64 `json:"mapMillis"`
	MaxChunkMillis int64 `json:"maxChunkMillis"`
	// FanIn is how many partials one merge took; GatherLevels how many levels
	// of intermediate merges the gather tree had (0: one flat merge).
	FanIn        int `json:"fanIn"`
	GatherLevels int `json:"gatherLevels"`
	// Partitions is how many key ranges reducers gathered in parallel (a
	// keyed job's partitioned gather); Parts how many part files the output
	// was left as (OutputParts).
	Partitions int `json:"partitions,omitempty"`
	Parts      int `json:"parts,omitempty"`
	// Spans is how many writers of the sort round (RoundSort) merged the
	// Partitions ranges' sorted runs by spans of their sort key into the
	// output's parts (a sql aggregate's ORDER BY without LIMIT); 0 without
	// it.
	Spans int `json:"spans,omitempty"`
	// CSVRereads counts the CSV chunks read again because the quote state
	// guessed at their start was wrong (confirmCSV).
	CSVRereads int `json:"csvRereads,omitempty"`
	// Assembly is set when the output was composed on S3 from the partials'
	// byte ranges (grep and select with large partials, the key ranges of a
	// partitioned gather) instead of streamed.
	Assembly    *Assembly `json:"assembly,omitempty"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	WallSeconds float64   `json:"wallSeconds"`
	Observed
}

// SummaryLocation is where the summary of a job whose output is output goes.
func SummaryLocation(output string) string { return output + ".summary.json" }

// addRecords adds a chunk's record counts to the summary: the records read and
// skipped, the skips by reason, and an example of each reason the summary has none of.
func (s *Summary) addRecords(st jobs.Stats) {
	s.RecordsIn += st.RecordsIn
	s.Skipped += st.Skipped
	for k, v := range st.SkipReason {
		if s.SkipReasons == nil {
			s.SkipReasons = map[string]int64{}
		}
		s.SkipReasons[k] += v
	}
	s.SkipExamples = jobs.AddSkipExamples(s.SkipExamples, st.SkipExamples)
}
