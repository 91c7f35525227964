package jobs

import "github.com/scattergather/scattergather/record"

// tableFormat is the record format of a tabular job's --format.
func tableFormat(p Params) (record.Format, error) {
	format, err := parseFormat(p)
	if format == formatJSONL {
		return record.JSONLines, err
	}
	return record.CSV, err
}

// tableParams reads what every tabular job (select, groupby) takes besides
// its own: --strict and --format.
func tableParams(p Params) (strict bool, format record.Format, err error) {
	if strict, err = ParseStrict(p); err != nil {
		return strict, format, err
	}
	format, err = tableFormat(p)
	return strict, format, err
}

// columnSet collects distinct column names, returning each one's position.
type columnSet struct {
	names []string
}

func (s *columnSet) add(name string) int {
	for i, n := range s.names {
		if n == name {
			return i
		}
	}
	s.names = append(s.names, name)
	return len(s.names) - 1
}
