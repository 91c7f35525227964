// Package taskfn is the entry point of the three Lambda functions the state machine's
// Task states invoke (splitter, mapper, reducer), for the provided.al2023 runtime: a
// function's main is one call, with the user's jobs added to the built-in ones.
//
// It does what package lambdafn's Splitter, Mapper and Reducer do, without linking the
// api function's AWS SDK clients (Step Functions and Lambda): Go runs the package init
// of everything a binary links, and those two packages' init (their schemas and endpoint
// rules, about 0.85 MB of heap) is part of every cold start's init phase, which Lambda
// bills. The api function's main is lambdafn.API.
package taskfn

import (
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/lambdafn/internal/fnstart"
)

// Splitter runs the splitter function: it plans a job into chunks and writes the
// manifest. Like every function here, it registers jobs, makes the function's logger
// (log/slog through aws-lambda-go's lambdacontext handler, in the format and at the
// level of the template's LoggingConfig) the default, reads its configuration from the environment the template
// sets, and serves invocations until the runtime stops it; a configuration error is
// logged and exits the process with status 1, which Lambda reports as an init error.
func Splitter(jobs ...job.Definition) {
	fnstart.Pipeline("splitter", jobs, func(h *pipeline.Handler) any { return h.Plan })
}

// Mapper runs the mapper function: it maps one chunk and commits it, or, in query mode,
// answers with the chunk's partial.
func Mapper(jobs ...job.Definition) {
	fnstart.Pipeline("mapper", jobs, func(h *pipeline.Handler) any { return h.HandleMapper })
}

// Reducer runs the reducer function: it gathers a job's committed partials into its
// output, in a tree of merges when there are many.
func Reducer(jobs ...job.Definition) {
	fnstart.Pipeline("reducer", jobs, func(h *pipeline.Handler) any { return h.Gather })
}
