package record

import "fmt"

// ParseQuoteChar reads a CSV quote or escape character given by the user
// (option is "quote" or "escape", as DuckDB's read_csv names them): one
// byte, as DuckDB takes it, but not a line break or NUL. An empty one
// (DuckDB's "no quoting" or "no escape") is not supported.
func ParseQuoteChar(option, s string) (byte, error) {
	switch {
	case s == "":
		return 0, fmt.Errorf("an empty %s is not supported: give one byte, such as '\"' or '\\''", option)
	case len(s) > 1:
		return 0, fmt.Errorf("The %s option cannot exceed a size of 1 byte.", option)
	}
	switch c := s[0]; c {
	case '\r', '\n', 0:
		return 0, fmt.Errorf("the CSV %s cannot be %q", option, c)
	default:
		return c, nil
	}
}

// CheckQuoteDelim refuses a quote or escape (option) that is the
// delimiter, in DuckDB's words: with the delimiter given (given), "QUOTE
// must not appear ..." for either; without one, an escape of ',' (DuckDB
// checks it against its default delimiter) "ESCAPE must not appear ...".
func CheckQuoteDelim(option string, c, delim byte, given bool) error {
	const msg = "%s must not appear in the DELIMITER specification and vice versa"
	switch {
	case c == 0:
		return nil
	case given && c == delim:
		return fmt.Errorf(msg, "QUOTE")
	case !given && option == "escape" && c == ',':
		return fmt.Errorf(msg, "ESCAPE")
	}
	return nil
}
