// Package hive reads Hive partitions from paths as DuckDB does
// (https://duckdb.org/docs/stable/data/partitioning/hive_partitioning):
// the key=value directories of a file's path are columns of its rows,
// detected when every input has the same keys, and typed by their values
// (hive_types_autocast: DATE, TIMESTAMP or BIGINT, else VARCHAR).
package hive

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Pair is one key=value directory of a path, its value as written (not
// URL-decoded).
type Pair struct {
	Key, Value string
}

// Parse returns the key=value directories of path, sorted by key, as
// DuckDB's HivePartitioning::Parse finds them: a segment before a '/' (so
// never the file's own name) that holds one '=' after its first byte; a
// key seen twice keeps its first value; nothing after a '?' or "\n".
func Parse(path string) []Pair {
	var out []Pair
	start := 0
	for start <= len(path) {
		end := strings.IndexByte(path[start:], '/')
		if end < 0 {
			break
		}
		seg := path[start : start+end]
		start += end + 1
		if strings.ContainsAny(seg, "?\n") {
			break
		}
		eq := strings.IndexByte(seg, '=')
		if eq <= 0 || strings.IndexByte(seg[eq+1:], '=') >= 0 {
			continue
		}
		k := seg[:eq]
		if !hasKey(out, k) {
			out = append(out, Pair{Key: k, Value: seg[eq+1:]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func hasKey(ps []Pair, k string) bool {
	for _, p := range ps {
		if p.Key == k {
			return true
		}
	}
	return false
}

// Column is a partition column: its key and its type (BIGINT, DATE,
// TIMESTAMP or VARCHAR as detected; any type a schema takes as a query's
// hive_types gives it).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Detect returns the partition columns of a list of paths, sorted by name,
// as DuckDB's hive_partitioning auto-detection decides: none unless the
// first path has partitions and every path has as many with the same
// keys. Each column is typed by its values (TypeOf): one type when all of
// them agree, NULL values aside, else VARCHAR.
func Detect(paths []string) []Column {
	if len(paths) == 0 {
		return nil
	}
	first := Parse(paths[0])
	if len(first) == 0 {
		return nil
	}
	types := make([]string, len(first))
	for _, p := range paths {
		ps := Parse(p)
		if len(ps) != len(first) {
			return nil
		}
		for i, pr := range ps {
			if pr.Key != first[i].Key {
				return nil
			}
			if IsNull(pr.Value) {
				continue
			}
			switch t := TypeOf(pr.Value); {
			case types[i] == "":
				types[i] = t
			case types[i] != t:
				types[i] = "VARCHAR"
			}
		}
	}
	cols := make([]Column, len(first))
	for i, p := range first {
		cols[i] = Column{Name: p.Key, Type: types[i]}
		if types[i] == "" {
			cols[i].Type = "VARCHAR" // NULL in every path
		}
	}
	return cols
}

// Mismatch returns, for a list of paths whose partitions are read as
// DuckDB's hive_partitioning = true reads them, the error DuckDB gives
// when a path's keys are not the first path's (nil when they all are):
// "Hive partition mismatch between file A and B: key K not found".
func Mismatch(paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	first := Parse(paths[0])
	for _, p := range paths[1:] {
		ps := Parse(p)
		for _, f := range first {
			if !hasKey(ps, f.Key) {
				return fmt.Errorf("Hive partition mismatch between file %q and %q: key %q not found", paths[0], p, f.Key)
			}
		}
		if len(ps) != len(first) {
			for _, x := range ps {
				if !hasKey(first, x.Key) {
					return fmt.Errorf("Hive partition mismatch between file %q and %q: key %q not found", p, paths[0], x.Key)
				}
			}
		}
	}
	return nil
}

// DefaultPartition is the directory value Hive, Spark and DuckDB's COPY
// ... PARTITION_BY write for a NULL key: NULL in a column of any type.
const DefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// IsNull reports a partition value that is NULL, as DuckDB's
// HivePartitioning::IsNull does: the word NULL in any case, or
// DefaultPartition as written.
func IsNull(v string) bool { return strings.EqualFold(v, "NULL") || v == DefaultPartition }

// TypeOf is the type DuckDB's hive_types_autocast gives a partition value
// (as written, not URL-decoded): DATE for a date (YYYY-M-D, the month and
// day of one or two digits), TIMESTAMP for a date and a time (HH:MM, or
// HH:MM:SS with decimals and a 'Z' or an offset, after a space or a 'T'),
// BIGINT for a whole number in BIGINT's range without a '+' or a leading
// zero (spaces around it allowed), else VARCHAR. It never gives DOUBLE:
// DuckDB's candidates are DATE, TIMESTAMP and BIGINT only (1.5 is VARCHAR).
// DuckDB also reads some rarer forms (hexadecimal numbers, BC dates,
// years past 9999, infinity), which this types VARCHAR.
func TypeOf(v string) string {
	switch {
	case parseDate(v) != "":
		return "DATE"
	case parseTimestamp(v) != "":
		return "TIMESTAMP"
	case parseBigint(v) != "":
		return "BIGINT"
	}
	return "VARCHAR"
}

// Value is a partition value of a column of type typ as a row carries it:
// its text (URL-decoded, as DuckDB's HivePartitioning::GetValue decodes it
// before the cast; BIGINT, DATE, TIMESTAMP then as DuckDB prints the
// value) and whether it is NULL (IsNull, or for a type other than VARCHAR
// an empty value).
func Value(v, typ string) (text string, null bool) {
	if IsNull(v) {
		return "", true
	}
	if d, err := url.PathUnescape(v); err == nil {
		v = d
	}
	if typ == "VARCHAR" {
		return v, false
	}
	if v == "" {
		return "", true
	}
	var t string
	switch typ {
	case "BIGINT":
		t = parseBigint(v)
	case "DATE":
		t = parseDate(v)
	case "TIMESTAMP":
		t = parseTimestamp(v)
	}
	if t == "" {
		return v, false // not of its type: the reader reports it
	}
	return t, false
}

// parseBigint is v's canonical text when it is a BIGINT, else "".
func parseBigint(v string) string {
	s := strings.TrimSpace(v)
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || digits[0] < '0' || digits[0] > '9' || len(digits) > 1 && digits[0] == '0' {
		return ""
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// parseDate is v's canonical text (YYYY-MM-DD) when it is a date, else "".
func parseDate(v string) string {
	t, err := time.Parse("2006-1-2", v)
	if err != nil || len(v) < 8 {
		return ""
	}
	return t.Format("2006-01-02")
}

// parseTimestamp is v's canonical text (YYYY-MM-DD HH:MM:SS[.ffffff], as
// DuckDB prints a TIMESTAMP) when it is a date and a time, else "". As
// DuckDB 1.5 reads a partition value, a 'Z' or an offset (+HH, -HH:MM)
// after a time with seconds is dropped, not applied, and a fraction of more than six
// digits is cut to six.
func parseTimestamp(v string) string {
	date, clock, ok := strings.Cut(v, " ")
	if !ok {
		date, clock, ok = strings.Cut(v, "T")
	}
	if !ok || parseDate(date) == "" {
		return ""
	}
	if z := dropZone(clock); len(z) >= 8 { // not after HH:MM
		clock = z
	}
	if len(clock) > 15 && clock[8] == '.' && allDigits(clock[9:]) {
		clock = clock[:15]
	}
	var t time.Time
	var err error
	switch len(clock) {
	case 5:
		t, err = time.Parse("2006-1-2 15:04", date+" "+clock)
	default:
		if len(clock) < 8 || len(clock) > 15 || len(clock) > 8 && clock[8] != '.' {
			return ""
		}
		t, err = time.Parse("2006-1-2 15:04:05.999999", date+" "+clock)
	}
	if err != nil {
		return ""
	}
	return t.Format("2006-01-02 15:04:05.999999")
}

// dropZone is a time of day without its 'Z' or its offset (+HH, -HH,
// +HH:MM, -HHMM).
func dropZone(clock string) string {
	if strings.HasSuffix(clock, "Z") {
		return clock[:len(clock)-1]
	}
	i := strings.LastIndexAny(clock, "+-")
	if i < 5 {
		return clock
	}
	off := strings.Replace(clock[i+1:], ":", "", 1)
	if (len(off) == 2 || len(off) == 4) && allDigits(off) {
		return clock[:i]
	}
	return clock
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Encode writes columns as the planner's parameter: a JSON array.
func Encode(cols []Column) string {
	b, _ := json.Marshal(cols) // a []Column always encodes
	return string(b)
}

// Decode reads a parameter Encode wrote; "" is none.
func Decode(text string) ([]Column, error) {
	if text == "" {
		return nil, nil
	}
	var cols []Column
	if err := json.Unmarshal([]byte(text), &cols); err != nil {
		return nil, fmt.Errorf("hive partitions %q: want a JSON array of {name, type} (leave it unset: the planner sets it): %w", text, err)
	}
	for _, c := range cols {
		if c.Type == "" {
			return nil, fmt.Errorf("hive partitions: column %q has no type", c.Name)
		}
	}
	return cols, nil
}
