package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/record"
)

// typeSampleBytes is how much of the first CSV input's start the sql job's
// column types are sniffed from (withCSVTypes), and typeSampleRows how
// many of its records at most: DuckDB's read_csv sniffs 20,480 rows
// (https://duckdb.org/docs/data/csv/auto_detection, sample_size).
const (
	typeSampleBytes = 1 << 20
	typeSampleRows  = 20480
)

// withCSVTypes gives the sql job's schema, when every input is CSV, the
// types DuckDB's sniffer gives the columns of the first input's sample
// (its first typeSampleBytes, at most typeSampleRows records, as
// pq.TypeSniffer types them) that the schema does not type: VARCHAR,
// BOOLEAN, DATE and TIMESTAMP, the last two with the format the sniffer
// found when it is not ISO 8601 (DATE FORMAT '%m/%d/%Y'); a column sniffed
// as a number, a time or a TIMESTAMP WITH TIME ZONE stays untyped
// (docs/sql.md, "Types and values"). The planner decides
// them once, so every mapper, whatever its chunk, reads the columns
// alike. It returns schema unchanged when there is nothing to add, when
// the schema does not parse (the job refuses it), or when the result
// would pass the bound of a schema file; an error only when the sample
// cannot be read.
func withCSVTypes(ctx context.Context, store blob.Store, schema, query, delim string, objs []Object) (string, error) {
	given, err := sql.ParseSchema(schema)
	if err != nil || len(objs) == 0 {
		return schema, nil
	}
	for _, o := range objs {
		if o.Parquet != nil || record.Of(o.URL, record.Auto) != record.CSV {
			return schema, nil
		}
	}
	o := objs[0]
	if o.Size == 0 {
		return schema, nil
	}
	d := byte(',')
	if o.Delim != "" {
		d = o.Delim[0]
	} else if delim != "" {
		d = delim[0]
	} else if isTSV(o.URL) {
		d = '\t'
	}
	sample, eof, err := readStart(ctx, store, o, typeSampleBytes)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return schema, nil // the mappers report it
		}
		return schema, err
	}
	names, cols := sniffCSVTypes(sample, eof, o.Header, o.NoHeader, d, QuotingOf(o.Quote, o.Escape))
	all := sql.Schema{}
	for n, t := range given {
		all[n] = t
	}
	sniffed := map[string]sql.Type{}
	for i, n := range names {
		if _, typed := given.Type(n); typed {
			continue
		}
		switch cols[i].Kind {
		case pq.OutString:
			sniffed[n] = sql.TVarchar
		case pq.OutBoolean:
			sniffed[n] = sql.TBool
		// An ISO 8601 column (no Form) stays untyped: its text already
		// compares as a date, and a typed one would refuse the infinity
		// and -infinity DuckDB reads in it (pqcheck
		// TestSQLUntypedColumnsTypedAsDuckDBSniffs).
		case pq.OutDate:
			if cols[i].Form != 0 {
				sniffed[n] = sql.Type{Kind: sql.KDate, Form: cols[i].Form}
			}
		case pq.OutTimestamp:
			if cols[i].Form != 0 {
				sniffed[n] = sql.Type{Kind: sql.KTimestamp, Form: cols[i].Form}
			}
		}
	}
	for n, t := range sniffed {
		all[n] = t
	}
	// The columns the query reads (all of them when it does not compile:
	// it fails with its error, or with a type error as DuckDB's over the
	// same types).
	read := names
	if p, err := sql.Compile(query, all, names); err == nil {
		read = p.Columns
	}
	out := map[string]string{}
	for n, t := range given {
		out[n] = t.SchemaText()
	}
	added := false
	for _, n := range read {
		for s, t := range sniffed {
			if colname.Equal(s, n) {
				out[s], added = t.SchemaText(), true
			}
		}
	}
	if !added {
		return schema, nil
	}
	b, err := json.Marshal(out)
	if err != nil || len(b) > maxSchemaFile {
		return schema, nil
	}
	return string(b), nil
}

// sniffCSVTypes types the columns of a CSV sample (the header at header,
// fields delimited by d and quoted as qt, the object's sniffed quoting;
// eof: the sample is the whole object) as
// pq.TypeSniffer does over their values that are not NULL (an empty field):
// the header's names (record.HeaderColumns: a name that repeats is
// renamed as DuckDB renames it) and their types. Without a header row
// (noHeader: plan.Object.NoHeader), the record at header is the first row,
// typed with the others, and the columns are record.NumberedColumns
// (column0, column1, ...), as DuckDB names and types them. A record the
// sample cuts is not read, nor is any from one of bad quoting on. No names
// when the header does not read.
func sniffCSVTypes(sample []byte, eof bool, header int64, noHeader bool, d byte, qt csvline.Quoting) ([]string, []pq.OutputColumn) {
	if header > int64(len(sample)) {
		return nil, nil
	}
	data := record.TrimBOM(sample[header:])
	nl := bytes.IndexByte(data, '\n')
	if noHeader {
		// The first row may hold a quoted newline; a whole object of one
		// row without a newline is that row.
		if nl, _ = csvline.EndQuoted(data, csvline.AtField, d, qt); nl < 0 && eof && len(data) > 0 {
			nl, data = len(data), append(data[:len(data):len(data)], '\n')
		}
	}
	if nl < 0 {
		return nil, nil
	}
	head := bytes.TrimSuffix(data[:nl], []byte{'\r'})
	all, err := record.HeaderColumnsQuoted(head, d, qt.Quote, qt.Escape)
	if noHeader {
		all, err = record.NumberedColumnsQuoted(head, d, qt.Quote, qt.Escape)
	}
	if err != nil {
		return nil, nil
	}
	var names []string
	for _, n := range all {
		if n != "" {
			names = append(names, n)
		}
	}
	r, err := record.NewReader(record.CSV, names)
	if err != nil {
		return nil, nil
	}
	r.SetDelim(d)
	r.SetQuoting(qt.Quote, qt.Escape)
	r.SetNoHeader(noHeader)
	if err := r.Start("sample", head); err != nil {
		return nil, nil
	}
	body, at := data[nl+1:], int64(nl+1)
	if noHeader {
		body, at = data, 0 // the first record is a row
	}
	if !eof {
		// The last record may be cut: read up to the last newline.
		body = body[:bytes.LastIndexByte(body, '\n')+1]
	} else if len(body) > 0 && body[len(body)-1] != '\n' {
		body = append(body[:len(body):len(body)], '\n')
	}
	sniffers := make([]pq.TypeSniffer, len(names))
	rows := 0
	add := func(row *record.Row, _ int64, isData bool, _ string) error {
		if row == nil || !isData || rows >= typeSampleRows {
			return nil // the header, a blank line, a ragged record
		}
		rows++
		for i := range sniffers {
			if v := row.Value(i); len(v) > 0 { // an empty field, quoted or not, is NULL
				sniffers[i].Add(v)
			}
		}
		return nil
	}
	// Offsets from the header's (0, which the reader takes as it). The
	// sample ends at a record ReadCSVBlock leaves to Read: one of bad
	// quoting, or whose quoted field the sample cuts.
	if qt == csvline.RFC4180 {
		r.ReadCSVBlock(body, at, add)
	} else {
		// ReadCSVBlock reads only '"' doubled: another quoting's records
		// one by one, up to one of bad quoting.
		for p := 0; p < len(body); {
			i, _ := csvline.EndQuoted(body[p:], csvline.AtField, d, qt)
			if i < 0 {
				break
			}
			row, isData, reason, err := r.Read(body[p:p+i], at+int64(p))
			if err != nil || reason == record.ReasonCSVQuote {
				break
			}
			_ = add(row, 0, isData, reason)
			p += i + 1
		}
	}
	cols := make([]pq.OutputColumn, len(names))
	for i := range sniffers {
		cols[i] = sniffers[i].Column()
	}
	return names, cols
}
