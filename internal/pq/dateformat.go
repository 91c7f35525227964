package pq

import (
	"bytes"
	"strings"
)

// DateFormat is the strftime format (DuckDB's dateformat and
// timestampformat: %m/%d/%Y, %d.%m.%y %H:%M:%S, ...) of form (an
// OutputColumn's Form) of a column of kind OutDate or OutTimestamp, ""
// for ISO 8601 (form 0) or a form that is not one.
func DateFormat(kind OutputKind, form uint8) string {
	forms := formsOfKind(kind)
	if form == 0 || int(form) > len(forms) {
		return ""
	}
	f := &forms[form-1]
	var b strings.Builder
	for i := 0; i < len(f.tmpl); i++ {
		switch c := f.tmpl[i]; c {
		case '-':
			b.WriteByte(f.sep)
		case ' ', ':', '.':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(c)
		}
	}
	return b.String()
}

// DateFormOf is the Form of a column of kind OutDate or OutTimestamp
// whose values are in the strftime format (DateFormat's), and whether the
// format is one of those DuckDB's sniffer tries.
func DateFormOf(kind OutputKind, format string) (uint8, bool) {
	for i := range formsOfKind(kind) {
		if DateFormat(kind, uint8(i+1)) == format {
			return uint8(i + 1), true
		}
	}
	return 0, false
}

func formsOfKind(kind OutputKind) []dateForm {
	switch kind {
	case OutDate:
		return dateForms
	case OutTimestamp:
		return stampForms
	}
	return nil
}

// FormDate reads a date in form (a DATE column's Form, not 0) as DuckDB
// reads a CSV column it sniffed in that format: its days since
// 1970-01-01; infinity and -infinity are 1900-01-01, as in DuckDB 1.5.
// It allocates nothing.
func FormDate(b []byte, form uint8) (int64, bool) {
	if foldIn(bytes.Trim(b, " "), "infinity", "-infinity") {
		return formInfinity / 86_400_000_000, true
	}
	return formDays(b, form)
}

// FormTimestamp reads a timestamp in form (a TIMESTAMP column's Form, not
// 0) as FormDate reads a date: its microseconds since 1970-01-01 00:00:00.
func FormTimestamp(b []byte, form uint8) (int64, bool) {
	if foldIn(bytes.Trim(b, " "), "infinity", "-infinity") {
		return formInfinity, true
	}
	return formMicros(b, form)
}
