// Package sqlspec turns a SQL query into the job that runs it: the sql job, the query
// as its parameter, and the location its FROM names as the input. `scatter sql`, the
// --sql flag of run, query, submit and plan, and the {"sql": "..."} of POST /jobs and
// POST /query all make their job spec here, so they agree on what a query runs.
package sqlspec

import (
	"fmt"

	"github.com/scattergather/scattergather/internal/sql"
)

// Job is the job that runs a query.
const Job = "sql"

// QueryParam is the sql job's parameter that holds the query.
const QueryParam = "query"

// Spec is the job a query runs as.
type Spec struct {
	// Job is always Job.
	Job string
	// Query is the query, the job's QueryParam.
	Query string
	// From is the location the query's FROM names.
	From []string
	// Inputs are the job's inputs: the ones given, else From.
	Inputs []string
}

// FromQuery makes the job spec of query. job is the job named beside it ("" or Job),
// queryParam the query parameter given beside it ("" or the same query), inputs the
// inputs given (none: the query's FROM). A query that does not parse is an *sql.Error
// that names the position (line and column) of what is wrong.
func FromQuery(query, job, queryParam string, inputs []string) (Spec, error) {
	switch {
	case query == "":
		return Spec{}, fmt.Errorf("the SQL query is empty")
	case job != "" && job != Job:
		return Spec{}, fmt.Errorf("a SQL query is the %s job: it does not go with job %s", Job, job)
	case queryParam != "" && queryParam != query:
		return Spec{}, fmt.Errorf("give the query once: as the SQL query, or as the %s job's %s", Job, QueryParam)
	}
	from, err := sql.Inputs(query)
	if err != nil {
		return Spec{}, err
	}
	s := Spec{Job: Job, Query: query, From: from, Inputs: inputs}
	if len(s.Inputs) == 0 {
		s.Inputs = from
	}
	return s, nil
}
