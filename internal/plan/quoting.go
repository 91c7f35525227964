package plan

import (
	"fmt"

	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/job"
)

// The quote and escape of a CSV input are sniffed (QuotingCandidates)
// unless the user gives them: --quote and --escape (job.QuoteParam,
// job.EscapeParam), or the sql query's read_csv(..., quote = 'C',
// escape = 'C'), as DuckDB's read_csv options override its sniffer.

// withQueryQuoting returns the sql job's params with the quote and escape
// its query's FROM read_csv(..., quote = 'C', escape = 'C') gives recorded
// (job.QuoteParam, job.EscapeParam); one params give already (--quote,
// --escape) must be the same. A query that does not parse is left to the
// job to refuse.
func withQueryQuoting(params map[string]string) (map[string]string, error) {
	q, err := sql.Parse(params["query"])
	if err != nil {
		return params, nil
	}
	for _, o := range []struct{ name, c string }{{job.QuoteParam, q.FromQuote}, {job.EscapeParam, q.FromEscape}} {
		given, ok := params[o.name]
		switch {
		case o.c == "":
		case !ok:
			params = withParam(params, o.name, o.c)
		case given != o.c:
			return params, fmt.Errorf("the query's %s(..., %s = %q) and --%s %q differ: give the %s once", q.FromFunc, o.name, o.c, o.name, given, o.name)
		}
	}
	return params, nil
}

// quotingCandidates are the quotings a job's CSV inputs are sniffed with:
// QuotingCandidates when params give neither a quote nor an escape; with a
// quote Q, Q doubled then Q escaped by a backslash; with an escape E, '"'
// then '\” escaped by E; with both, those. A bad quote or escape is
// left to the job to refuse (nil, the sniffer's own candidates).
func quotingCandidates(params map[string]string) []csvline.Quoting {
	quote, escape, err := job.ParseQuoting(params)
	switch {
	case err != nil || quote == 0 && escape == 0:
		return QuotingCandidates
	case quote != 0 && escape != 0:
		return []csvline.Quoting{{Quote: quote, Escape: escape}}
	case quote != 0:
		return []csvline.Quoting{{Quote: quote, Escape: quote}, {Quote: quote, Escape: '\\'}}
	default:
		return []csvline.Quoting{{Quote: '"', Escape: escape}, {Quote: '\'', Escape: escape}}
	}
}
