package pipeline_test

import (
	"slices"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil/golden"
)

// The examples of one grep job over two log objects, as the state machine passes its
// step payloads, and of a query's chunk. A field added to a payload must be set in an
// example here (TestPayloadGoldens says which); `make goldens` then rewrites
// testdata/, and the diff shows the new wire format in review.
func TestPayloadGoldens(t *testing.T) {
	golden.Check(t, slices.Concat(planCases(), mapCases(), gatherCases(), rangeCases(), finishCases(), queryCases()))
}

// The examples' shared values.
const (
	exJobID = "grep-3f9a2c71d04be8e5a6c1f207"
	exWork  = "s3://scatter-work/jobs/" + exJobID + "/"
	// A query's ID is derived as a job's; its work area is where large partials spill.
	exQueryID   = "grep-b27d04e9c15a38f60e4d9a12"
	exQueryWork = "s3://scatter-work/jobs/" + exQueryID + "/"
	// A keyed job's, gathered by key ranges.
	exKvJobID = "uniquevisitors-0d4c2b9e81f37a56c4e2d910"
	exKvWork  = "s3://scatter-work/jobs/" + exKvJobID + "/"
	// A sql aggregate's ORDER BY without LIMIT: key ranges, then the sort round.
	exSortJobID = "sql-7c1e5a0b92d84f36e1a0c4b8"
	exSortWork  = "s3://scatter-work/jobs/" + exSortJobID + "/"
)

var (
	exParams = jobs.Params{"pattern": "ERROR|WARN", "strict": "true"}
	// The sort round's job.
	exSortParams = jobs.Params{"query": "SELECT countryCode, sum(adRevenue) AS revenue FROM 's3://data/uservisits/' GROUP BY countryCode ORDER BY revenue DESC"}
	exChunk      = plan.Chunk{Index: 3, Parts: []plan.Part{
		{Source: "s3://scatter-in/logs/", URL: "s3://scatter-in/logs/2026-01-01.log", Ordinal: 0, Start: 201326592, End: 209715200, Size: 209715200},
		{Source: "s3://scatter-in/logs/", URL: "s3://scatter-in/logs/2026-01-02.log", Ordinal: 1, Start: 0, End: 58720256, Size: 104857600},
	}}
	exCompressed = plan.Chunk{Index: 0, Parts: []plan.Part{
		{Source: "s3://scatter-in/archive/", URL: "s3://scatter-in/archive/2025-12.log.zst", Start: 0, End: 7340032, Size: 7340032, Codec: "zstd"},
		{Source: "s3://scatter-in/archive/", URL: "s3://scatter-in/archive/2025-11.log.gz", Ordinal: 1, Start: 0, End: 5242880, Size: 5242880, Gzip: true},
	}}
	// A Parquet chunk owns the row groups whose first byte lies in its range.
	exParquetJobID = "select-71c0e5a92b4d3f8e06a1b5c4"
	exParquet      = plan.Chunk{Index: 1, Parts: []plan.Part{
		{Source: "s3://scatter-in/orders/", URL: "s3://scatter-in/orders/2026-01.parquet", Start: 134217728, End: 268435456, Size: 402653184, Format: plan.FormatParquet, Footer: 151562},
	}}
	// A CSV object whose header follows a preamble (a title line): its
	// records start at the header's byte offset; and one whose delimiter
	// sniffs otherwise than the job's (the first input's); a MySQL
	// export, its quotes escaped by a backslash; and one without a header
	// row (its first record a row, its columns column0, ...).
	exPreamble = plan.Chunk{Index: 0, Parts: []plan.Part{
		{Source: "s3://scatter-in/exports/", URL: "s3://scatter-in/exports/report.csv", Start: 0, End: 67108864, Size: 201326592, Header: 28},
		{Source: "s3://scatter-in/exports/", URL: "s3://scatter-in/exports/report-eu.csv", Ordinal: 1, Start: 0, End: 1048576, Size: 1048576, Delim: ";"},
		{Source: "s3://scatter-in/exports/", URL: "s3://scatter-in/exports/mysql.csv", Ordinal: 2, Start: 0, End: 4096, Size: 4096, Escape: `\`},
		{Source: "s3://scatter-in/exports/", URL: "s3://scatter-in/exports/quoted.csv", Ordinal: 3, Start: 0, End: 4096, Size: 4096, Quote: "'"},
		{Source: "s3://scatter-in/exports/", URL: "s3://scatter-in/exports/readings.csv", Ordinal: 4, Start: 0, End: 524288, Size: 524288, NoHeader: true},
	}}
	exStats = pipeline.MapStats{
		Stats: jobs.Stats{RecordsIn: 1048576, RecordsOut: 2113, Skipped: 2, SkipReason: map[string]int64{"invalid UTF-8": 2},
			SkipExamples: map[string]string{"invalid UTF-8": "s3://scatter-in/logs/2026-01-01.log at byte 203411876"}},
		BytesIn: 67108864, BytesRead: 67112960, DurationMS: 812,
	}
	// a CSV chunk cut out of its object: the quote state it guessed and
	// the record starts the gather confirms
	exCsvStats = pipeline.MapStats{
		Stats:   jobs.Stats{RecordsIn: 412000, RecordsOut: 5},
		BytesIn: 67108864, BytesRead: 67125248, DurationMS: 655,
		CSV: []pipeline.CSVBound{{URL: "s3://scatter-in/exports/crm.csv", Start: 67108864, End: 134217728, Assumed: "quoted", First: 67108901, Next: 134217790}},
	}
	exParquetStats = pipeline.MapStats{
		Stats:   jobs.Stats{RecordsIn: 1048576, RecordsOut: 2113},
		BytesIn: 134217728, BytesRead: 20975616, BytesSkipped: 113242112, RowGroups: 2, RowGroupsPruned: 1, ParquetBytesRead: 20975616, DurationMS: 406,
	}
)

// planCases: the splitter's input, as submitted and as the ledger keeps it, and its answer.
func planCases() []golden.Case {
	return []golden.Case{
		{File: "plan-input.json", Example: pipeline.PlanInput{
			Job: "grep", Params: exParams, Inputs: []string{"s3://scatter-in/logs/"}, Output: "s3://scatter-out/results/errors.txt",
			ChunkSize: 64 << 20, MaxConcurrency: 200,
		}},
		// As the ledger keeps it (the job's spec): the chunk size planned, and the job's version.
		{File: "plan-input-spec.json", Example: pipeline.PlanInput{
			Job: "grep", Params: exParams, Inputs: []string{"s3://scatter-in/logs/"}, Output: "s3://scatter-out/results/errors.txt",
			ChunkSize: 64 << 20, MaxConcurrency: 200, JobVersion: "2",
		}},
		// As POST /jobs starts it: named by the submission, which the splitter records.
		{File: "plan-input-api.json", Example: pipeline.PlanInput{
			Job: "grep", Params: exParams, Inputs: []string{"s3://scatter-in/logs/"}, Output: "s3://scatter-out/results/errors.txt",
			ChunkSize: 64 << 20, MaxConcurrency: 200, Submission: "grep-0c8e5a9d31f2b7c4e6a1d092",
			Owner: "arn:aws:sts::123456789012:assumed-role/analytics/analyst",
		}},
		{File: "plan-output.json", Example: pipeline.PlanOutput{
			JobID: exJobID, Job: "grep", Params: exParams, JobVersion: "2", Manifest: pipeline.Location{Bucket: "scatter-work", Key: "jobs/" + exJobID + "/manifest.json"},
			Work: exWork, Output: "s3://scatter-out/results/errors.txt", Chunks: 5, Bytes: 314572800, MaxConcurrency: 200,
			MapTimeoutSeconds: 94, FanIn: 256, MapResults: pipeline.Location{Bucket: "scatter-work", Key: "jobs/" + exJobID + "/mapresults"},
		}},
		{File: "plan-output-done.json", Example: pipeline.PlanOutput{
			JobID: exJobID, Job: "grep", Params: exParams, JobVersion: "2", Manifest: pipeline.Location{Bucket: "scatter-work", Key: "jobs/" + exJobID + "/manifest.json"},
			Work: exWork, Output: "s3://scatter-out/results/errors.txt", Chunks: 5, Bytes: 314572800, MaxConcurrency: 200,
			MapTimeoutSeconds: 94, FanIn: 256, Done: true, MapResults: pipeline.Location{Bucket: "scatter-work", Key: "jobs/" + exJobID + "/mapresults"},
		}},
	}
}

// mapCases: the mapper's step: its input and its result.
func mapCases() []golden.Case {
	return []golden.Case{
		{File: "map-input.json", Example: pipeline.MapInput{JobID: exJobID, Job: "grep", Params: exParams, JobVersion: "2", Work: exWork, Chunk: exChunk, TimeoutSeconds: 94}},
		{File: "map-input-compressed.json", Example: pipeline.MapInput{JobID: exJobID, Job: "grep", Params: exParams, JobVersion: "2", Work: exWork, Chunk: exCompressed, TimeoutSeconds: 66}},
		{File: "map-input-preamble.json", Example: pipeline.MapInput{
			JobID: exJobID, Job: "groupby", Params: jobs.Params{"key": "city", "agg": "sum:amount"}, Work: exWork, Chunk: exPreamble, TimeoutSeconds: 94,
		}},
		{File: "map-input-parquet.json", Example: pipeline.MapInput{
			JobID: exParquetJobID, Job: "select", Params: jobs.Params{"where": "amount > 100", "columns": "id,amount"},
			Work: "s3://scatter-work/jobs/" + exParquetJobID + "/", Chunk: exParquet, TimeoutSeconds: 94,
		}},
		{File: "map-result.json", Example: pipeline.MapResult{
			JobID: exJobID, Chunk: 3, Attempt: "9c41e0d27f3a5b86", Partial: exWork + "partials/00000003/9c41e0d27f3a5b86.part", Stats: exStats,
		}},
		{File: "map-result-parquet.json", Example: pipeline.MapResult{
			JobID: exParquetJobID, Chunk: 1, Attempt: "4b7e01c9d2a3f658", Partial: "s3://scatter-work/jobs/" + exParquetJobID + "/partials/00000001/4b7e01c9d2a3f658.part", Stats: exParquetStats,
		}},
		{File: "map-result-csv.json", Example: pipeline.MapResult{
			JobID: exJobID, Chunk: 1, Attempt: "0d5f2a7c91b3e468", Partial: exWork + "partials/00000001/0d5f2a7c91b3e468.part", Stats: exCsvStats,
		}},
		{File: "map-result-duplicate.json", Example: pipeline.MapResult{
			JobID: exJobID, Chunk: 3, Attempt: "9c41e0d27f3a5b86", Partial: exWork + "partials/00000003/9c41e0d27f3a5b86.part", Duplicate: true, Stats: exStats,
		}},
	}
}

// gatherCases: the reducer's steps of a gather tree, its failure and redrive paths.
func gatherCases() []golden.Case {
	return []golden.Case{
		{File: "gather-input-plan.json", Example: pipeline.GatherInput{JobID: exJobID, Job: "grep", Params: exParams, JobVersion: "2", Work: exWork, Chunks: 700, Step: pipeline.StepPlan, FanIn: 256}},
		{File: "gather-input-merge.json", Example: pipeline.GatherInput{JobID: exJobID, Job: "grep", Params: exParams, JobVersion: "2", Work: exWork, Chunks: 700, Step: pipeline.StepMerge, FanIn: 256, Level: 0, Group: 2}},
		{File: "gather-input.json", Example: pipeline.GatherInput{
			JobID: exJobID, Job: "grep", Params: exParams, Work: exWork, Output: "s3://scatter-out/results/errors.txt", Chunks: 700, FanIn: 256, Level: 1,
		}},
		{File: "gather-input-failure.json", Example: pipeline.GatherInput{JobID: exJobID, Chunks: 700, Failure: &pipeline.Failure{
			Error: "InputError", Cause: `{"errorMessage":"map: s3://scatter-in/logs/2026-01-02.log: not found","errorType":"InputError"}`,
		}}},
		{File: "gather-input-redriven.json", Example: pipeline.GatherInput{JobID: exJobID, Chunks: 700, Failure: &pipeline.Failure{
			Error: "InputError", Cause: `{"errorMessage":"map: s3://scatter-in/logs/2026-01-02.log: not found","errorType":"InputError"}`,
		}, FailedAt: &pipeline.FailedAt{Resume: "Scatter", RedriveCount: 0}, RedriveCount: 1}},
		{File: "gather-output-redriven.json", Example: pipeline.GatherOutput{JobID: exJobID, Status: "RUNNING", Resume: "Scatter"}},
		{File: "gather-output-plan.json", Example: pipeline.GatherOutput{JobID: exJobID, Status: "RUNNING", Tree: &pipeline.TreeLevel{
			Level: 0, Partials: 700, FanIn: 256, Merge: true, Groups: []int{0, 1, 2}, Next: 1,
		}}},
	}
}

// rangeCases: gathers by key ranges, and the sort round of a sql aggregate's ORDER BY.
func rangeCases() []golden.Case {
	return []golden.Case{
		// A keyed job (job/kv) gathered by key ranges, left as part files.
		{File: "plan-input-ranges.json", Example: pipeline.PlanInput{
			Job: "uniquevisitors", Inputs: []string{"s3://scatter-in/uservisits/"}, Output: "s3://scatter-out/visitors", Partitions: 8, OutputParts: true,
		}},
		{File: "gather-input-plan-ranges.json", Example: pipeline.GatherInput{
			JobID: exKvJobID, Job: "uniquevisitors", Work: exKvWork, Output: "s3://scatter-out/visitors", Chunks: 700, Step: pipeline.StepPlan, FanIn: 256, Partitions: 8,
		}},
		{File: "gather-output-plan-ranges.json", Example: pipeline.GatherOutput{JobID: exKvJobID, Status: "RUNNING", Tree: &pipeline.TreeLevel{
			Level: 0, Partials: 700, FanIn: 256, Groups: []int{}, Partitions: 8,
			Ranges:       pipeline.Location{Bucket: "scatter-work", Key: "jobs/" + exKvJobID + "/" + pipeline.RangeItemsFile},
			RangeResults: pipeline.Location{Bucket: "scatter-work", Key: "jobs/" + exKvJobID + "/" + pipeline.RangeResultsDir},
		}}},
		{File: "gather-output-plan-sort-ranges.json", Example: pipeline.GatherOutput{JobID: exSortJobID, Status: "RUNNING", Tree: &pipeline.TreeLevel{
			Level: 0, Partials: 120, FanIn: 256, Groups: []int{}, Partitions: 4, SortRound: true,
			Ranges:       pipeline.Location{Bucket: "scatter-work", Key: "jobs/" + exSortJobID + "/" + pipeline.RangeItemsFile},
			RangeResults: pipeline.Location{Bucket: "scatter-work", Key: "jobs/" + exSortJobID + "/" + pipeline.RangeResultsDir},
		}}},
		{File: "gather-input-plan-sort.json", Example: pipeline.GatherInput{
			JobID: exSortJobID, Job: "sql", Params: exSortParams, Work: exSortWork, Output: "s3://scatter-out/by-revenue.csv", Chunks: 120, Step: pipeline.StepPlan, FanIn: 256, Partitions: 4, Round: pipeline.RoundSort,
		}},
		{File: "gather-output-plan-sort.json", Example: pipeline.GatherOutput{JobID: exSortJobID, Status: "RUNNING", Tree: &pipeline.TreeLevel{
			Level: 0, Partials: 4, FanIn: 256, Groups: []int{}, Partitions: 4, Round: pipeline.RoundSort,
			Ranges:       pipeline.Location{Bucket: "scatter-work", Key: "jobs/" + exSortJobID + "/" + pipeline.SortDir + "items.json"},
			RangeResults: pipeline.Location{Bucket: "scatter-work", Key: "jobs/" + exSortJobID + "/" + pipeline.SortDir + "results"},
		}}},
		{File: "gather-input-sort.json", Example: pipeline.GatherInput{JobID: exSortJobID, Job: "sql", Params: exSortParams, Work: exSortWork, Chunks: 120, Step: pipeline.StepRange, Range: 2, Round: pipeline.RoundSort}},
		{File: "gather-output-sort.json", Example: pipeline.GatherOutput{JobID: exSortJobID, Status: "RUNNING", Partial: exSortWork + pipeline.SortDir + "00002/0b7d3e91a6c45f28.part"}},
		{File: "gather-input-sorted.json", Example: pipeline.GatherInput{
			JobID: exSortJobID, Job: "sql", Params: exSortParams, Work: exSortWork, Output: "s3://scatter-out/by-revenue.csv", Chunks: 120, FanIn: 256, Partitions: 4, Round: pipeline.RoundSort, OutputParts: true,
		}},
		{File: "gather-input-range.json", Example: pipeline.GatherInput{JobID: exKvJobID, Job: "uniquevisitors", JobVersion: "3", Work: exKvWork, Chunks: 700, Step: pipeline.StepRange, Range: 3}},
		{File: "gather-output-range.json", Example: pipeline.GatherOutput{JobID: exKvJobID, Status: "RUNNING", Partial: exKvWork + "ranges/00003/5d2e8a9c3f104b77.part"}},
		{File: "gather-input-ranges.json", Example: pipeline.GatherInput{
			JobID: exKvJobID, Job: "uniquevisitors", Work: exKvWork, Output: "s3://scatter-out/visitors", Chunks: 700, FanIn: 256, Partitions: 8, OutputParts: true,
		}},
	}
}

// finishCases: the gather tree's merge level and its final answer.
func finishCases() []golden.Case {
	return []golden.Case{
		{File: "gather-output-merge.json", Example: pipeline.GatherOutput{JobID: exJobID, Status: "RUNNING", Partial: exWork + "tree/1/00000002.part"}},
		{File: "gather-output.json", Example: pipeline.GatherOutput{
			JobID: exJobID, Status: "SUCCEEDED", Output: "s3://scatter-out/results/errors.txt", Summary: "s3://scatter-out/results/errors.txt.summary.json",
		}},
	}
}

// queryCases: the request-time query's chunk and its partial.
func queryCases() []golden.Case {
	return []golden.Case{
		{File: "query-chunk.json", Example: pipeline.QueryChunk{
			QueryID: exQueryID, Job: "grep", Params: exParams, Chunk: exCompressed, Attempt: 1, Work: exQueryWork, InlineLimit: 1 << 20,
		}},
		{File: "query-chunk-reread.json", Example: pipeline.QueryChunk{
			QueryID: exQueryID, Job: "groupby", Params: jobs.Params{"key": "city", "agg": "sum:amount"}, Attempt: 3, Work: exQueryWork,
			Chunk: plan.Chunk{Index: 2, Parts: []plan.Part{
				{Source: "s3://scatter-in/sales.csv", URL: "s3://scatter-in/sales.csv", Start: 67108864, End: 134217728, Size: 201326592},
			}},
			Firsts: map[string]int64{"67108864:s3://scatter-in/sales.csv": 67108931},
		}},
		{File: "query-chunk-preamble.json", Example: pipeline.QueryChunk{
			QueryID: exQueryID, Job: "groupby", Params: jobs.Params{"key": "city", "agg": "sum:amount"}, Chunk: exPreamble, Attempt: 1,
			Work: exQueryWork, InlineLimit: 1 << 20,
		}},
		{File: "query-chunk-parquet.json", Example: pipeline.QueryChunk{
			QueryID: exQueryID, Job: "select", Params: jobs.Params{"where": "amount > 100", "columns": "id,amount"}, Chunk: exParquet, Attempt: 2,
			Work: exQueryWork, InlineLimit: 1 << 20,
		}},
		{File: "query-partial.json", Example: pipeline.QueryPartial{QueryID: exQueryID, Chunk: 0, Attempt: 1, Partial: []byte("2026-01-01T00:00:03Z ERROR disk full\n"), Stats: exStats}},
		{File: "query-partial-csv.json", Example: pipeline.QueryPartial{QueryID: exQueryID, Chunk: 1, Attempt: 1, Partial: []byte("Boston,1201.50,396\n"), Stats: exCsvStats}},
		{File: "query-partial-parquet.json", Example: pipeline.QueryPartial{QueryID: exQueryID, Chunk: 1, Attempt: 2, Partial: []byte("1001,250.00\n"), Stats: exParquetStats}},
		{File: "query-partial-spilled.json", Example: pipeline.QueryPartial{
			QueryID: exQueryID, Chunk: 0, Attempt: 1, PartialKey: exQueryWork + "query/00000000-1-5d2e8a9c3f104b77.part", Stats: exStats,
		}},
	}
}
