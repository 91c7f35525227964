package colname

import (
	"strconv"
	"strings"
)

// Fold is a column name as DuckDB compares names: ASCII letters in lower case, every
// other character as it is ("Ä" and "ä" are two names to DuckDB, and so here).
func Fold(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
}

// Equal reports whether a and b name the same column (Fold).
func Equal(a, b string) bool { return equal(a, b) }

// EqualBytes is Equal of a name held in bytes (a JSON object's key), with
// no conversion to a string.
func EqualBytes(a []byte, b string) bool { return equal(a, b) }

func equal[T string | []byte](a T, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// Index finds name among a header's names: the same name, else the one name
// equal to it ignoring ASCII case (as DuckDB matches column names); -1 when
// neither (none, or two that equal it ignoring case).
func Index(names []string, name string) int {
	folded := -1
	for i, n := range names {
		switch {
		case n == name:
			return i
		case Equal(n, name):
			if folded >= 0 {
				return -1 // ambiguous
			}
			folded = i
		}
	}
	return folded
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Unique renames, in place, each name equal (Fold) to an earlier one as DuckDB's
// read_csv renames a header's repeated names: it gets "_N" appended, N counting that
// name's repeats, and again while the result is taken. So a header a,A,b,a has the
// columns a, A_1, b, a_2, and a,a_1,a the columns a, a_1, a_1_1 (sqlcheck's
// TestHeaderNamesAgreeWithDuckDB asks DuckDB).
func Unique(names []string) {
	repeats := make(map[string]int, len(names)) // by Fold: the repeats so far
	for i, name := range names {
		for {
			n, seen := repeats[Fold(name)]
			if !seen {
				break
			}
			repeats[Fold(name)] = n + 1
			name += "_" + strconv.Itoa(n+1)
		}
		repeats[Fold(name)] = 0
		names[i] = name
	}
}

// Header makes a CSV header's decoded names, in place, the columns DuckDB's read_csv
// gives them: spaces around a name are not part of it (quoted or not; a tab is), a name
// left empty is Generated's, and repeated names are made Unique. So a header " id ,,amount,"
// has the columns id, column1, amount, column3 (csvcheck's TestShapesAsDuckDB asks DuckDB).
func Header(names []string) {
	for i, name := range names {
		if names[i] = strings.Trim(name, " "); names[i] == "" {
			names[i] = Generated(len(names), i)
		}
	}
	Unique(names)
}

// Generated is the name DuckDB gives column i (from 0) of n that has none: "column" and
// i, zero-padded to as many digits as n-1 has (column03 of 12 columns, column3 of 4).
func Generated(n, i int) string {
	digits := strconv.Itoa(i)
	if width := len(strconv.Itoa(max(n-1, 0))); len(digits) < width {
		digits = strings.Repeat("0", width-len(digits)) + digits
	}
	return "column" + digits
}
