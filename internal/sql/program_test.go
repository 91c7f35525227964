package sql

import (
	"bytes"
	"testing"
)

// TestFieldKey checks the group keys written from the field bytes
// (fieldKey) against appendKey of the expression's value, over NULL, empty,
// non-ASCII, NUL-bearing, numeric and short fields, and that the fast path
// is the one taken for the expressions it covers.
func TestFieldKey(t *testing.T) {
	schema := mustSchema(t, "v:VARCHAR")
	cases := []struct {
		group string
		fast  bool
		field bool // FieldAggregate: a VARCHAR prefix
	}{
		{"substr(a, 1, 8)", true, true},
		{"substr(a, 1, 20)", true, true},
		{"substr(v, 1, 8)", true, true},
		{"substr(a, 3, 2)", true, false},
		{"substr(a, 2)", true, false},
		{"substr(a, 1)", true, true},
		{"substr(a, 9, 0)", true, false},
		{"substr(a, 1, 0)", true, true},
		{"substring(v, 1, 3)", true, true},
		{"substr(a, 100, 5)", true, false},
		{"a", true, false},
		{"v", true, true},
		{"substr(a, -2, 2)", false, false},
		{"substr(a, 0, 3)", false, false},
		{"substr(a, 1, -1)", false, false},
		{"lower(a)", false, false},
	}
	fields := []struct {
		text string
		null bool
	}{
		{"", true}, {"", false}, {"172.16.1.20", false}, {"12.50", false}, {"-3", false},
		{"äöü-straße", false}, {"ab\x00cd\x00", false}, {"x", false}, {"日本語のテキスト", false},
		{"abcdefgh", false}, {"abcdefg\xc3\xa4", false}, {"\xff\xfe", false},
		// Around the word checks of plainText: a 0 or a non-ASCII byte in
		// or past the first 8 bytes, DEL and 0x01 (plain).
		{"abcdefg\x00", false}, {"abcdefgh\x00", false}, {"\x00bcdefghij", false},
		{"abcdefghijklmnop\x80", false}, {"\x7f\x01abcdefghijklm", false},
	}
	for _, c := range cases {
		p, err := Compile("SELECT "+c.group+", count(*) FROM 'x' GROUP BY 1", schema, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.group, err)
		}
		g := p.NewProgram()
		if got := g.keys[0] != nil; got != c.fast {
			t.Errorf("%s: fast path %v, want %v", c.group, got, c.fast)
		}
		fa, field := g.FieldAggregate()
		if field != c.field || field && (len(fa.Cols) != 1 || fa.Cols[0] != -1) {
			t.Errorf("%s: FieldAggregate %v %v, want %v with Cols [-1]", c.group, fa, field, c.field)
		}
		for _, f := range fields {
			for i := range g.Row.Text {
				g.Row.Text[i], g.Row.Null[i] = []byte(f.text), f.null
			}
			g.Reset()
			got := g.AppendGroupKey(nil)
			want := appendKey(nil, p.groups[0].typ, g.groups[0](&g.Row), false, false)
			if !bytes.Equal(got, want) {
				t.Errorf("%s of %q (null %v): key %x, want %x", c.group, f.text, f.null, got, want)
			}
			if field {
				col := fa.KeyCol
				got := AppendNullKey(nil)
				if !g.Row.Null[col] {
					got = g.AppendFieldKey(nil, g.FieldValue(g.Row.Text[col]))
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s of %q (null %v): field key %x, want %x", c.group, f.text, f.null, got, want)
				}
			}
		}
		if field {
			fieldOrder(t, c.group, g, fa.KeyCol)
		}
	}
}

// fieldOrder checks that a mapper may sort a FieldAggregate's groups by
// their values (FieldValue) as they stand: any two texts' values compare
// as their keys (AppendFieldKey) do, and the NULL key sorts after them.
func fieldOrder(t *testing.T, group string, g *Program, col int) {
	texts := []string{"", "a", "a\x00", "a\x00\x00", "a\x01", "a\xff", "ab", "abcdefgh", "abcdefghi",
		"abcdefg\x00z", "abcdefg\xc3\xa4", "äöü-straße", "日本語のテキスト", "\x00", "\xff\xfe", "\x7f"}
	sign := func(c int) int { return min(max(c, -1), 1) }
	null := AppendNullKey(nil)
	for _, a := range texts {
		va := g.FieldValue([]byte(a))
		ka := g.AppendFieldKey(nil, va)
		if bytes.Compare(ka, null) >= 0 {
			t.Errorf("%s: key %x of %q does not sort before NULL's %x", group, ka, a, null)
		}
		for _, b := range texts {
			vb := g.FieldValue([]byte(b))
			kb := g.AppendFieldKey(nil, vb)
			if sign(bytes.Compare(va, vb)) != sign(bytes.Compare(ka, kb)) {
				t.Errorf("%s: values %q and %q compare %d, their keys %x and %x %d", group, va, vb,
					bytes.Compare(va, vb), ka, kb, bytes.Compare(ka, kb))
			}
		}
	}
}

// TestSubstrASCII checks substr's ASCII shortcut against a count of
// characters done by hand.
func TestSubstrASCII(t *testing.T) {
	for _, s := range []string{"", "a", "abcdefghijklmnop", "abc\xc3\xa4def", "\xc3\xa4bc"} {
		r := []rune(s)
		for start := int64(1); start <= int64(len(r))+2; start++ {
			for n := int64(0); n <= int64(len(r))+2; n++ {
				from := min(int(start-1), len(r))
				to := min(from+int(n), len(r))
				want := string(r[from:to])
				if got := string(substr([]byte(s), start, n)); got != want {
					t.Errorf("substr(%q, %d, %d) = %q, want %q", s, start, n, got, want)
				}
			}
		}
	}
}

// TestFoldSaved checks that records folded later from what SaveFold kept
// give the states Fold gives folding each record at once, and which
// aggregates can wait.
func TestFoldSaved(t *testing.T) {
	now, later, cols := deferPrograms(t, "SELECT a, count(*), count(b), sum(b), avg(b), sum(c) FROM 'x' GROUP BY a")
	rows := [][3]string{{"k", "1.5", "7"}, {"k", "", "-2"}, {"k", "12345678901234567890.25", ""}, {"k", "-0.75", "3"}, {"k", "", ""}}
	foldBoth(t, cols, now, later, now.NewStates(), later.NewStates(), rows)
	// A value that is not a number: SaveFold meets the error Check meets.
	for _, g := range []*Program{now, later} {
		g.Row.Text[cols["b"]], g.Row.Null[cols["b"]] = []byte("1.5x"), false
		g.Row.Text[cols["c"]], g.Row.Null[cols["c"]] = []byte("nope"), false
		g.Reset()
	}
	now.Check()
	later.SaveFold(0)
	if now.Row.Err == nil || later.Row.Err == nil || *now.Row.Err != *later.Row.Err {
		t.Errorf("a value that is not a number: SaveFold's error %v, Check's %v", later.Row.Err, now.Row.Err)
	}
	for _, q := range []string{
		"SELECT a, min(b + 1) FROM 'x' GROUP BY a",
		"SELECT a, sum(b + 1) FROM 'x' GROUP BY a",
		"SELECT a, count(DISTINCT b) FROM 'x' GROUP BY a",
	} {
		p, err := Compile(q, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.NewProgram().CanDefer() {
			t.Errorf("%s: CanDefer true, but its folds need the record", q)
		}
	}
}

// TestFoldSavedMinMax checks that min and max of untyped columns, folded
// later from what SaveFold kept (their texts, several records' in one
// batch), give the states Fold gives folding each record at once: numbers
// and texts mixed, NULLs, equal numbers written differently (the first
// stays), a longer best after a shorter one.
func TestFoldSavedMinMax(t *testing.T) {
	now, later, cols := deferPrograms(t, "SELECT a, min(b), max(b), count(*), min(c), max(c), sum(c) FROM 'x' GROUP BY a")
	rows := [][3]string{
		{"k", "", "2"}, {"k", "10", "1.0"}, {"k", "9.5", "1.00"}, {"k", "apple", "-3"},
		{"k", "", "1e400"}, {"k", "banana", "12345678901234567890"}, {"k", "-1", "-3.0"},
		{"k", "-1.0", ""}, {"k", "zebra", "0"}, {"k", "10.00", "12345678901234567890.5"},
	}
	st, st2 := now.NewStates(), later.NewStates()
	foldBoth(t, cols, now, later, st, st2, rows)
	// A second batch into the same states: SaveFold's record 0 starts its
	// texts anew.
	foldBoth(t, cols, now, later, st, st2, [][3]string{{"k", "-20", "7"}, {"k", "zzz", "-4"}})
	// A record taken again as the same one of the batch (one a mapper
	// folded at once, or dropped) leaves no text behind.
	for range 1000 {
		for a := range 2 { // min(b), max(b)
			later.SaveField(1, a, []byte("0123456789"), false)
		}
	}
	if n := len(later.savedText); n > 100 {
		t.Errorf("a record saved 1000 times as the second of its batch: %d bytes of texts kept", n)
	}
}

// TestBestTextInline checks min's and max's best text, held in the state
// when it is 8 bytes or less (AggState.inline) and apart when longer,
// through every change between the two (a longer text apart after a
// shorter inline one, and back), folded at once and later: after each
// record the best reads back as the text expected, and the states of both
// encode alike.
func TestBestTextInline(t *testing.T) {
	now, later, cols := deferPrograms(t, "SELECT a, max(b), min(c) FROM 'x' GROUP BY a")
	st, st2 := now.NewStates(), later.NewStates()
	steps := []struct{ b, c, max, min string }{
		{"b", "y", "b", "y"},
		{"c123456789", "x123456789", "c123456789", "x123456789"},
		{"d", "w", "d", "w"},
		{"e12345678901", "v12345678901", "e12345678901", "v12345678901"},
		{"f1234567", "u1234567", "f1234567", "u1234567"},
		{"g12345678", "t12345678", "g12345678", "t12345678"},
		{"a", "z", "g12345678", "t12345678"},
		{"h", "s", "h", "s"},
		{"h0", "s", "h0", "s"},
	}
	for i, step := range steps {
		foldBoth(t, cols, now, later, st, st2, [][3]string{{"k", step.b, step.c}})
		for _, s := range [][]AggState{st, st2} {
			checkBests(t, i, s, step.max, step.min)
		}
	}
}

// TestBestNumberText checks min's and max's best untyped number longer
// than 8 bytes: held as its decimal alone (inlineD, no aggExtra) when that
// writes it back byte for byte, and as its text otherwise (a sign, leading
// zeros, an exponent, a tie with another text of the same number): after
// each record the best reads back as the text expected, through LoadGroup
// too, and the states of both programs encode alike.
func TestBestNumberText(t *testing.T) {
	now, later, cols := deferPrograms(t, "SELECT a, max(b), min(c) FROM 'x' GROUP BY a")
	st, st2 := now.NewStates(), later.NewStates()
	steps := []struct {
		b, c, max, min string
		held           bool // both bests held as their decimals
	}{
		{"123.45678", "-98.765432", "123.45678", "-98.765432", true},
		{"+223.45678", "-0098.7654321", "+223.45678", "-0098.7654321", false},
		{"323.456780", "-198.765432", "323.456780", "-198.765432", true},
		// A tie: the longer text of the same number is the greater.
		{"323.4567800", "-198.76543", "323.4567800", "-198.765432", true},
		{"1.5", "-1000.00000000000000000001", "323.4567800", "-1000.00000000000000000001", false},
		{"4.2345678e2", "-1.98765432e3", "4.2345678e2", "-1.98765432e3", false},
		{"1234567890123", "-1234567890123", "1234567890123", "-1234567890123", true},
		{"12345678901234567890.5", "-12345678901234567890.5", "12345678901234567890.5", "-12345678901234567890.5", false},
	}
	for i, step := range steps {
		foldBoth(t, cols, now, later, st, st2, [][3]string{{"k", step.b, step.c}})
		for _, s := range [][]AggState{st, st2} {
			checkBests(t, i, s, step.max, step.min)
			if held := s[0].inline == inlineD && s[1].inline == inlineD; held != step.held {
				t.Errorf("step %d: bests held as decimals %v, want %v", i, held, step.held)
			}
		}
		if err := now.LoadGroup(now.AppendGroupKey(nil), st); err != nil {
			t.Fatal(err)
		}
		if got := string(now.Row.Slots[1].S) + " " + string(now.Row.Slots[2].S); got != step.max+" "+step.min {
			t.Errorf("step %d: LoadGroup %q, want %q", i, got, step.max+" "+step.min)
		}
	}
	// A fresh group whose bests are all held as decimals makes no aggExtra.
	st = now.NewStates()
	foldBoth(t, cols, now, later, st, later.NewStates(), [][3]string{{"k", "123.45678", "-98.765432"}, {"k", "1234.5678", "-987.654321"}})
	if st[0].x != nil || st[1].x != nil {
		t.Errorf("bests held as decimals made an aggExtra")
	}
}

// checkBests checks the best texts of states s of max and min at step i.
func checkBests(t *testing.T, i int, s []AggState, max, min string) {
	t.Helper()
	if got := string(s[0].bestValue(KText, nil).S); got != max {
		t.Errorf("step %d: max %q, want %q", i, got, max)
	}
	if got := string(s[1].bestValue(KText, nil).S); got != min {
		t.Errorf("step %d: min %q, want %q", i, got, min)
	}
}

// deferPrograms compiles q (columns a, b and c) into two programs whose
// aggregates CanDefer, and returns them with the columns' indexes.
func deferPrograms(t *testing.T, q string) (now, later *Program, cols map[string]int) {
	t.Helper()
	p, err := Compile(q, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	now, later = p.NewProgram(), p.NewProgram()
	if !later.CanDefer() {
		t.Fatalf("%s: CanDefer false", q)
	}
	cols = map[string]int{}
	for i, c := range p.Columns {
		cols[c] = i
	}
	return now, later, cols
}

// foldBoth folds rows (columns a, b and c; "" is NULL) into st with now,
// one at a time (Check, Fold), and into st2 with later as one batch
// (SaveFold, then FoldSaved once the records' fields are gone), and checks
// that the states encode to the same bytes.
func foldBoth(t *testing.T, cols map[string]int, now, later *Program, st, st2 []AggState, rows [][3]string) {
	t.Helper()
	for j, r := range rows {
		for _, g := range []*Program{now, later} {
			for name, i := range map[string]int{"a": 0, "b": 1, "c": 2} {
				g.Row.Text[cols[name]], g.Row.Null[cols[name]] = []byte(r[i]), r[i] == ""
			}
			g.Reset()
		}
		now.Check()
		later.SaveFold(j) // checks as Check does
		for _, g := range []*Program{now, later} {
			if g.Row.Err != nil {
				t.Fatalf("row %d: %v", j, g.Row.Err)
			}
		}
		now.Fold(st)
		for i := range later.Row.Text {
			later.Row.Text[i] = []byte("overwritten")
		}
	}
	for j := range rows {
		later.FoldSaved(j, st2)
	}
	if a, b := now.AppendStates(nil, st), later.AppendStates(nil, st2); !bytes.Equal(a, b) {
		t.Errorf("states folded later %q, at once %q", b, a)
	}
}

// TestNoZero checks noZero, word at a time, against bytes.IndexByte: a 0
// byte at every place of texts of 0 to 24 bytes, and none; and that
// AppendFieldKey escapes such texts as AppendGroupKey does (appendString).
func TestNoZero(t *testing.T) {
	g := &Program{}
	for n := 0; n <= 24; n++ {
		text := bytes.Repeat([]byte{'a' + byte(n)}, n)
		if !noZero(text) {
			t.Errorf("noZero(%q) = false", text)
		}
		for i := range n {
			z := bytes.Clone(text)
			z[i] = 0
			if noZero(z) {
				t.Errorf("noZero(%q) = true", z)
			}
			if got, want := g.AppendFieldKey(nil, z), appendString([]byte{keyValue}, z); !bytes.Equal(got, want) {
				t.Errorf("AppendFieldKey(%q) = %x, want %x", z, got, want)
			}
			z[i] = 0x80 // high bits are not zeros
			if !noZero(z) {
				t.Errorf("noZero(%q) = false", z)
			}
		}
	}
}

// TestAppendGroupRow checks the rows AppendGroupRow writes from a group's
// key and states against LoadGroup, Having and AppendRow, over NULL,
// empty, quoted and numeric keys, sums of no values, typed and untyped
// numbers, and keys listed out of GROUP BY order; and which plans it
// writes (Direct).
func TestAppendGroupRow(t *testing.T) {
	schema := mustSchema(t, "n:BIGINT,d:DECIMAL(10,2),f:DOUBLE")
	direct := map[string]bool{ // query: whether AppendGroupRow writes its rows
		"SELECT substr(a, 1, 3) AS k, sum(b) FROM 'x' GROUP BY k":                  true,
		"SELECT c, sum(d) FROM 'x' GROUP BY c":                                     true,
		"SELECT a, count(*), count(b), sum(b), sum(n), sum(d) FROM 'x' GROUP BY a": true,
		"SELECT sum(b), c, a, count(*) FROM 'x' GROUP BY a, c":                     true,
		"SELECT n, d, sum(d) FROM 'x' GROUP BY n, d":                               true,
		"SELECT a, sum(f) FROM 'x' GROUP BY a":                                     false,
		"SELECT a, avg(b) FROM 'x' GROUP BY a":                                     false,
		"SELECT a, min(b) FROM 'x' GROUP BY a":                                     false,
		"SELECT a, sum(b) + 1 FROM 'x' GROUP BY a":                                 false,
		"SELECT lower(a), sum(b) FROM 'x' GROUP BY a":                              false,
		"SELECT a, sum(b) FROM 'x' GROUP BY a HAVING count(*) > 1":                 false,
		"SELECT a, sum(b) FROM 'x' GROUP BY a ORDER BY 2":                          false,
		"SELECT count(*), sum(b) FROM 'x'":                                         false,
	}
	records := [][]string{
		{"abcdef", "1.5", "x", "3", "1.25", "0.5"},
		{"abcxyz", "-2.25", "x", "4", "2.5", "1e3"},
		{"", "", "", "", "", ""},
		{"a,\"b", "7", "y", "-9", "0.01", "2"},
		{"a,\"b", "", "y", "", "", ""},
		{"\x00z", "1e2", "", "1", "3.333", "-1"},
		{"\x00p", "1", "q\x00", "2", "1", "1"}, // both keys escaped: one buffer must not hold both
		{"日本語", "0.000", "z", "0", "0", "0"},
		{"abcdef", "12345678901234567890.5", "x", "3", "1.25", "4"},
	}
	nulls := []bool{false, true} // the empty fields of a and c: "" or NULL (of numbers: NULL)
	for query, want := range direct {
		p, err := Compile(query, schema, []string{"a", "b", "c", "n", "d", "f"})
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		g := p.NewProgram()
		if g.Direct() != want {
			t.Errorf("%s: Direct %v, want %v", query, g.Direct(), want)
		}
		if !want {
			continue
		}
		groups := map[string][]AggState{}
		// The same records in two runs (one per null), for
		// AppendGroupRowValues: a group's states in each run it is in.
		runs := []map[string][]AggState{{}, {}}
		var keys []string
		for run, null := range nulls {
			for _, rec := range records {
				for i, col := range p.Columns {
					v := rec[map[string]int{"a": 0, "b": 1, "c": 2, "n": 3, "d": 4, "f": 5}[col]]
					g.Row.Text[i], g.Row.Null[i] = []byte(v), v == "" && (null || col != "a" && col != "c")
				}
				g.Reset()
				g.Check()
				if g.Row.Err != nil {
					t.Fatalf("%s: record %q: %v", query, rec, g.Row.Err.AsError())
				}
				k := string(g.AppendGroupKey(nil))
				st, ok := groups[k]
				if !ok {
					st = g.NewStates()
					groups[k] = st
					keys = append(keys, k)
				}
				g.Fold(st)
				rs, ok := runs[run][k]
				if !ok {
					rs = g.NewStates()
					runs[run][k] = rs
				}
				g.Fold(rs)
			}
		}
		if len(keys) < 4 {
			t.Fatalf("%s: %d groups, want more", query, len(keys))
		}
		for _, k := range keys {
			st := groups[k]
			got, err := g.AppendGroupRow(nil, []byte(k), st)
			if err != nil {
				t.Fatalf("%s: group %x: %v", query, k, err)
			}
			if err := g.LoadGroup([]byte(k), st); err != nil {
				t.Fatal(err)
			}
			g.Reset()
			if !g.Having() {
				t.Fatalf("%s: HAVING dropped group %x", query, k)
			}
			want := g.AppendRow(nil)
			if !bytes.Equal(got, want) {
				t.Errorf("%s: group %x: row %q, want %q", query, k, got, want)
			}
			var values [][]byte
			for _, r := range runs {
				if st, ok := r[k]; ok {
					values = append(values, g.AppendStates(nil, st))
				}
			}
			if got, err = g.AppendGroupRowValues(nil, []byte(k), values); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: group %x from %d runs: row %q (%v), want %q", query, k, len(values), got, err, want)
			}
			if _, err := g.AppendGroupRowValues(nil, []byte(k), [][]byte{append(values[0], 0)}); err == nil {
				t.Errorf("%s: group %x: states with a byte after them: no error", query, k)
			}
			if got, err := g.AppendGroupRowValues(nil, []byte(k), nil); err == nil {
				t.Errorf("%s: group %x with no states: row %q, no error", query, k, got)
			}
		}
		if _, err := g.AppendGroupRow(nil, []byte(keys[0]+"x"), groups[keys[0]]); err == nil {
			t.Errorf("%s: a key with bytes after it: no error", query)
		}
	}
}

// TestBestNumberTextRoundTrip: a best untyped number longer than 8 bytes
// reads back as the text it stood as, whatever its form: held as its
// decimal only when that decimal writes back the same bytes (a negative
// zero, spaces, a plus, trailing zeros, an exponent, more than 18 or 38
// digits); each value alone in a fresh group, as min and as max.
func TestBestNumberTextRoundTrip(t *testing.T) {
	now, later, cols := deferPrograms(t, "SELECT a, max(b), min(c) FROM 'x' GROUP BY a")
	for _, v := range []string{
		"-0.000000000", "-000000000", "0.0000000000", "  123456789", "123456789  ", "+123456789",
		"123456789.50", "1234567.000", "1.0000000e3", "1000000000E-3", "-1234567890",
		"12345678901234567890", "0.000000000000000000001", "-0.1234567890123456789",
		"123456789012345678901234567890123456789012", "1234567890123456789012345678901.5",
		"123456789.", ".1234567890", "-.1234567890", "0000000001.5",
	} {
		st, st2 := now.NewStates(), later.NewStates()
		foldBoth(t, cols, now, later, st, st2, [][3]string{{"k", v, v}})
		for _, s := range [][]AggState{st, st2} {
			checkBests(t, 0, s, v, v)
		}
		if err := now.LoadGroup(now.AppendGroupKey(nil), st); err != nil {
			t.Fatal(err)
		}
		if got := string(now.Row.Slots[1].S) + "|" + string(now.Row.Slots[2].S); got != v+"|"+v {
			t.Errorf("%q: LoadGroup %q", v, got)
		}
	}
}
