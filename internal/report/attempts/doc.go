// Package attempts is the attempt records of a job: every splitter, mapper and reducer
// attempt writes one to the job's work area (internal/pipeline writes them, Key says
// where), and this package reads them back (List) and analyses them for the summary and
// the report: the phases' attempts and spans (SummarizePhases) and what the run used in
// AWS's billing units (EstimateUsage). It imports no handler, so that both the pipeline,
// which writes the summary, and the report, which shows it, use one reading.
package attempts
