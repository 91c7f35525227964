package jobs

import (
	"errors"
	"maps"

	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/job"
)

// The built-in jobs implement the public job contract (package job); these
// names are the contract's, kept here so the built-ins read unqualified.
type (
	Params       = job.Params
	Param        = job.Param
	Definition   = job.Definition
	Input        = job.Input
	Job          = job.Job
	Mapper       = job.Mapper
	LineMapper   = job.LineMapper
	BlockMapper  = job.BlockMapper
	RowMapper    = job.RowMapper
	Part         = job.Part
	Stats        = job.Stats
	RecordError  = job.RecordError
	Concatenator = job.Concatenator
	Range        = job.Range
)

// Register, Lookup, Definitions, New, ParseStrict and ParseDelim are the public
// registry's (package job): a user's jobs and the built-ins are one set.
var (
	Register    = job.Register
	Lookup      = job.Lookup
	Definitions = job.Definitions
	New         = job.New
	ParseStrict = job.ParseStrict
	ParseDelim  = job.ParseDelim
	// ParseQuoting reads QuoteParam and EscapeParam.
	ParseQuoting = job.ParseQuoting
	// ParseHivePartitioning reads HivePartitioningParam.
	ParseHivePartitioning = job.ParseHivePartitioning
	// DelimParam is the parameter of the CSV field delimiter.
	DelimParam = job.DelimParam
	// QuoteParam and EscapeParam are the parameters of the CSV quote and
	// escape characters.
	QuoteParam  = job.QuoteParam
	EscapeParam = job.EscapeParam
	// PartitionsParam and PrunedParam are the planner's Hive partition
	// parameters.
	PartitionsParam = job.PartitionsParam
	PrunedParam     = job.PrunedParam
	// HivePartitioningParam turns the detection of Hive partitions off
	// ("false") or makes it strict ("true").
	HivePartitioningParam = job.HivePartitioningParam
	// Pruned reads PrunedParam.
	Pruned = job.Pruned
	// AddSkipExamples merges skip examples, the first of a reason kept.
	AddSkipExamples = job.AddSkipExamples
)

// versions are the built-in jobs' Versions (job.Definition.Version), by job.
// The job ID covers a job's Version, and the ledger keeps a job's committed
// chunks under its ID; so bump a job's version whenever its output for the
// same input could change (its format, its semantics, a fix, a change to how
// its records are read or its partials encoded): the same job run again by
// the new build is then a new job, not the old build's commits, and a resume
// of the old job is refused naming both versions. TestOutputVersions fails
// when a job's output over its golden cases changes while its version does
// not (testdata/versions.golden). Every built-in was version "1" until
// versions were checked. A change to what reads every job's records (the
// splitter, record, internal/pq, internal/feed) bumps plan.FrameworkVersion,
// which every job's ID also covers, instead (docs/jobs.md).
var versions = map[string]string{
	"grep":      "2",
	"groupby":   "8",
	"search":    "2",
	"select":    "14",
	"sql":       "30",
	"wordcount": "2",
}

// NewBeforeInputs is New for the check of a submission before its inputs
// are read: a query or --where that fails only to type-check (sql.ErrType)
// while no schema is given passes (with a nil Job), since the schema.json
// beside the inputs or their Parquet DATE columns may type it
// (plan.ResolveJob); the planner runs New again with the resolved params.
func NewBeforeInputs(name string, p Params) (Job, error) {
	j, err := New(name, p)
	if err != nil && p["schema"] == "" && (name == "sql" || p["where"] != "") && errors.Is(err, sql.ErrType) {
		return nil, nil
	}
	return j, err
}

// NewWithInputs is New once the inputs are resolved (plan.ResolveJob turned
// params into resolved), given what NewBeforeInputs made of params: that Job
// again when the inputs left the parameters as they were, so a request
// compiles its job once. It compiles anew only when it must: the inputs
// added a type (a schema.json, Parquet DATE columns) that may type the query
// otherwise, or NewBeforeInputs could not type it without them (before nil).
func NewWithInputs(name string, before Job, params, resolved Params) (Job, error) {
	if before != nil && maps.Equal(params, resolved) {
		return before, nil
	}
	return New(name, resolved)
}
