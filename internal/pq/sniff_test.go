package pq

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/duckfmt"
)

// TestTypeSnifferAsDuckDB: a column's type is the first of DuckDB's
// sniffer's candidates (BOOLEAN, BIGINT, DOUBLE, DATE, TIMESTAMP, TIMESTAMP
// WITH TIME ZONE) that every value reads as, else VARCHAR; the expected
// types are DuckDB's own (read_csv with sample_size = -1, DuckDB 1.5), as
// pqcheck's TestSelectCSVOutputTypedAsDuckDBSniffs checks over a file.
func TestTypeSnifferAsDuckDB(t *testing.T) {
	for _, c := range []struct {
		vals string // values split at |
		want OutputKind
	}{
		{"true|false", OutBoolean}, {"True|FALSE", OutBoolean}, {"t|f", OutBoolean}, {"yes|no", OutBoolean},
		{"1|0", OutInt64}, {"7", OutInt64}, {" 7", OutInt64}, {"7 ", OutInt64}, {"-7", OutInt64}, {"-007", OutInt64},
		{"9223372036854775807", OutInt64}, {"-9223372036854775808", OutInt64}, {"0", OutInt64}, {"-0", OutInt64},
		{"9223372036854775808", OutDouble}, {"9223372036854775808|1", OutDouble},
		{"1.5", OutDouble}, {"5.", OutDouble}, {".5", OutDouble}, {"-.5", OutDouble}, {"1e5", OutDouble}, {"1E5", OutDouble},
		{"nan", OutDouble}, {"1.5|NaN|-Inf", OutDouble}, {"1.5|inf", OutDouble}, {" 1.5", OutDouble}, {"7|1.5", OutDouble},
		{"1e400", OutDouble}, {"0.50", OutDouble}, {"-1e-5", OutDouble},
		{"2001-01-01", OutDate}, {" 2001-01-01", OutDate}, {"2001-01-01 ", OutDate}, {"0001-01-01|0044-03-15 (BC)", OutDate},
		{"2001-01-01|12345-01-01", OutDate}, {"infinity|-infinity|2001-01-01", OutDate},
		{"2001-01-01 10:00:00", OutTimestamp}, {"2001-01-01 10:00:00.123456789|2001-01-01 10:00:00", OutTimestamp},
		{"2001-01-01 10:00:00|12345-01-01 10:00:00", OutTimestamp},
		{"2001-01-01 10:00:00+00", OutTimestampTZ}, {"2001-01-01 10:00:00+00|2001-01-01 10:00:00", OutTimestampTZ},
		{"2001-01-01 10:00:00+00|2001-01-01 11:00:00+01", OutTimestampTZ},
		{"007", OutString}, {"00", OutString}, {"+7", OutString}, {"+1.5", OutString}, {"1.5 ", OutString},
		{" true", OutString}, {"007.5", OutString}, {"00.5", OutString}, {"0.5|007", OutString}, {"007|7", OutString},
		{"7|true", OutString}, {"1.5|2001-01-01", OutString}, {"2001-01-01|2001-01-01 10:00:00", OutString},
		{"2001-02-29", OutString}, {"2001-01-01 25:00:00", OutString}, {"true|null", OutString}, {"NULL|7", OutString},
		{"1_000", OutString}, {"abc", OutString}, {"Infinity|1.5", OutString},
		{"7 |1.5", OutString}, {"7 |1e3", OutString}, {"7 |nan", OutString}, {" -7|1.5", OutDouble},
		// The looser forms (sniffforms.go), each as DuckDB 1.5 types it.
		{"2001-01-01T10:00:00|2001-01-01T10:00", OutTimestamp}, {"2001-01-01 10:00|2001-01-02 11:30", OutTimestamp},
		{"2001-01-01T10:00:00|2001-01-02T10:00:00.5", OutTimestamp}, {"2001-1-1|2001-12-31", OutDate}, {"2001-1-1|2001-01-01", OutDate},
		{"2001-01-01 10:00:00Z|2001-01-01 10:00:00", OutTimestampTZ}, {"2001-01-01T10:00:00Z|2001-01-01T10:00:00+01", OutTimestampTZ},
		{"2001-01-01T10:00:00.5Z", OutTimestampTZ}, {"2001-01-01 10:00:00+0100", OutTimestampTZ}, {"2001-01-01 10:00:00+01:00:30", OutTimestampTZ},
		{"2001-1-1 1:2:3|2001-01-01 10:00:00", OutTimestamp}, {"2001-1-1T1:2", OutTimestamp}, {"2001-01-01 10:00:00.1234567", OutTimestamp},
		{"2001-01-01 10:00:00.", OutTimestamp}, {"2001-01-01 1:00:00", OutTimestamp}, {"2001-01-01 10:00:00 ", OutTimestamp},
		{"2001-01-01  10:00:00", OutTimestamp}, {"2001-01-01T 10:00:00", OutTimestamp}, {"2001-01-01 10:00:0", OutTimestamp},
		{"2001-01-01 10:00:00|2001-01-01T10:00", OutTimestamp}, {"2001-01-01 |2001-1-01", OutDate},
		{"2001-01-01T10", OutString}, {"2001-01-01 10:00:00 Z", OutString}, {"2001-01-01 10:00:00z", OutString},
		{"2001-01-01 10:00:00 +01", OutString}, {"2001-01-01 10:00:60", OutString}, {"2001-01-01 10:00Z", OutString},
		{"2001-01-01 10:00+01", OutString}, {"2001-01-01 10:00:00+1", OutString}, {"2001-01-01 10:00:00+01:3", OutString},
		{"2001-01-01|2001-01-01T10:00:00", OutString}, {"2001-13-01", OutString}, {"01-01-2001", OutDate}, {"2001-001-01", OutString},
		{"0x10|0x1F", OutInt64}, {"0X10", OutInt64}, {"0x10|7", OutInt64}, {"0x10|-7", OutInt64}, {"0b101|2", OutInt64},
		{" 0x10", OutInt64}, {"0x7FFFFFFFFFFFFFFF", OutInt64}, {"0x0", OutInt64}, {"0x00000000000000010", OutInt64},
		{"0x10|1.5", OutString}, {"0x10|9223372036854775808", OutString}, {"-0x10", OutString}, {"0xFFFFFFFFFFFFFFFF", OutString},
		{"0x", OutString}, {"0xg", OutString}, {"0x10 ", OutString}, {"0x1.8", OutString},
		{"Infinity|INFINITY| infinity|infinity |2001-01-01", OutDate}, {"+infinity", OutString},
		// DuckDB's sniffer's date formats and times of day (sniffdates.go;
		// csvcheck's TestDateFormsAsDuckDB holds them to DuckDB).
		{"01/02/2001", OutDate}, {"2001/01/01", OutDate}, {"1.2.2001", OutDate}, {"01-02-03", OutDate}, {"01 02 2001", OutDate},
		{"12/31/2000|01/02/2001", OutDate}, {"13/01/2001|12/31/2001", OutString}, {"01/02/2001|2001-01-01", OutString},
		{"2001\\1\\2", OutDate}, {"31/04/2001", OutString}, {"1/2/2001|infinity", OutDate}, {"01/02/12345", OutString},
		{"01/02/2001 10:00:00", OutTimestamp}, {"01/02/2001 10:00:00 PM", OutTimestamp}, {"2001/01/01 10:00:00.123", OutTimestamp},
		{"2001/01/01 10:00:00.1234567", OutTimestamp}, {"01/02/2001 10:00:00|01/02/2001", OutString}, {"01/02/2001 25:00:00", OutString},
		{"10:30:00", OutTime}, {"10:30", OutTime}, {"24:00:00", OutTime}, {"1:2:3", OutTime}, {" 10:30:00 ", OutTime},
		{"10:30:00.123456789|10:30", OutTime}, {"10:3", OutString}, {"10:30 ", OutString}, {"24:00:01", OutString},
		{"10:60:00", OutString}, {"10:30:00|2001-01-01", OutString}, {"1234567890:00:00", OutString},
	} {
		var s TypeSniffer
		for _, v := range strings.Split(c.vals, "|") {
			s.Add([]byte(v))
		}
		if got := s.Column().Kind; got != c.want {
			t.Errorf("%q: %s, want %s", c.vals, kindName(&OutputColumn{Kind: got}), kindName(&OutputColumn{Kind: c.want}))
		}
	}
	var none TypeSniffer
	if got := none.Column().Kind; got != OutString {
		t.Errorf("no value: %d, want VARCHAR", got)
	}
}

// TestTypeSnifferFormValues: a column of dates or timestamps in one of
// DuckDB's sniffer's formats takes the first format every value reads in,
// and the Writer reads its values in it (01/02/2001 is 1 February alone,
// 2 January beside 12/31/2000), as DuckDB 1.5 does.
func TestTypeSnifferFormValues(t *testing.T) {
	for _, c := range []struct {
		vals, want string // values split at |; their DuckDB text
	}{
		{"01/02/2001", "2001-02-01"}, {"01/02/2001|12/31/2000", "2001-01-02|2000-12-31"}, {"01-02-03", "2001-02-03"},
		{"31.12.99|1.1.68", "1999-12-31|2068-01-01"}, {"2001/1/2", "2001-01-02"}, {"1/2/2001|infinity", "2001-02-01|1900-01-01"},
		{"01/02/2001 10:00:00 PM|12/31/2001 12:00:00 AM", "2001-01-02 22:00:00|2001-12-31 00:00:00"},
		{"2001/01/01 10:00:00.5", "2001-01-01 10:00:00.5"}, {"31.12.2001  23:59:59", "2001-12-31 23:59:59"},
	} {
		var s TypeSniffer
		vals := strings.Split(c.vals, "|")
		for _, v := range vals {
			s.Add([]byte(v))
		}
		col := s.Column()
		if col.Form == 0 {
			t.Errorf("%q: %s in ISO 8601, want a format", c.vals, kindName(&col))
			continue
		}
		var got []string
		for _, v := range vals {
			if col.Kind == OutDate {
				days, err := parseDay([]byte(v), &col)
				if err != nil {
					t.Fatalf("%q: %v", v, err)
				}
				got = append(got, string(duckfmt.AppendDate(nil, days)))
				continue
			}
			us, err := parseTimestamp([]byte(v), &col)
			if err != nil {
				t.Fatalf("%q: %v", v, err)
			}
			got = append(got, string(duckfmt.AppendTimestamp(nil, us, 1e6)))
		}
		if strings.Join(got, "|") != c.want {
			t.Errorf("%q: %q, want %s", c.vals, got, c.want)
		}
	}
}

// TestTypeSnifferFormReadsEveryValue: a column whose values settle on a
// later format than the one an earlier value was taken in (30/02/05 is a
// date as %y/%m/%d, not as %d/%m/%y; 01/02/99 only reads in the day-first
// and month-first ones) is not typed in a format one of its values is no
// date in: the Writer reads every value of a DATE or TIMESTAMP column, or
// the column is VARCHAR (DuckDB fails to read the file).
func TestTypeSnifferFormReadsEveryValue(t *testing.T) {
	for _, vals := range []string{"30/02/05|01/02/99", "30.02.05 10:00:00|01.02.99 10:00:00", "12/11/30|13/11/31|01/02/99"} {
		var s TypeSniffer
		for _, v := range strings.Split(vals, "|") {
			s.Add([]byte(v))
		}
		col := s.Column()
		for _, v := range strings.Split(vals, "|") {
			var err error
			switch col.Kind {
			case OutDate:
				_, err = parseDay([]byte(v), &col)
			case OutTimestamp:
				_, err = parseTimestamp([]byte(v), &col)
			}
			if err != nil {
				t.Errorf("%q: %s in form %d: %q: %v", vals, kindName(&col), col.Form, v, err)
			}
		}
	}
}

// TestCSVToParquetByValues: a column typed by its values gets the sniffed
// type and every value parsed (NULLs and quoted empty strings as NULL),
// and a column of strings keeps the empty string.
func TestCSVToParquetByValues(t *testing.T) {
	text := "i,d,day,at,tz,b,s\n" +
		" 7,1.5,2001-01-01,2001-01-01 10:00:00.5,2001-01-01 10:00:00+01,true,x\n" +
		",,,,,,\"\"\n" +
		"-9,inf,-infinity,infinity,2001-01-01 10:00:00,NO,7\n"
	var out bytes.Buffer
	conv, err := NewCSVToParquet(&out, ByValues())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conv, text)
	if err := conv.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range f.Schema().Fields() {
		kinds = append(kinds, c.Name()+" "+c.Type().String())
	}
	want := "i INT(64,true) d DOUBLE day DATE at TIMESTAMP(isAdjustedToUTC=false,unit=MICROS) tz TIMESTAMP(isAdjustedToUTC=true,unit=MICROS) b BOOLEAN s STRING"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("schema %s\nwant   %s", got, want)
	}
	rows := make([]parquet.Row, 4)
	n, _ := f.RowGroups()[0].Rows().ReadRows(rows)
	if n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
	if v := rows[0][0].Int64(); v != 7 {
		t.Errorf("i: %d, want 7", v)
	}
	if v := rows[0][4].Int64(); v != 978339600000000 { // 09:00 UTC
		t.Errorf("tz: %d, want 978339600000000", v)
	}
	for j, v := range rows[1] {
		if v.IsNull() != (j < 6) {
			t.Errorf("row 2 column %d: null %v", j, v.IsNull())
		}
	}
	if v := rows[2][1].Double(); v < 1e308 {
		t.Errorf("d: %v, want +Inf", v)
	}
	if v := rows[2][5].Boolean(); v {
		t.Errorf("b: NO read as true")
	}
}
