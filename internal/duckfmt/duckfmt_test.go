package duckfmt

import (
	"math"
	"testing"
)

func TestAppendDouble(t *testing.T) {
	// DuckDB's CAST(x AS VARCHAR) of these doubles.
	cases := []struct {
		f    float64
		want string
	}{
		{100, "100.0"}, {0.1, "0.1"}, {1e20, "1e+20"}, {1.0 / 3, "0.3333333333333333"},
		{123456789012345678, "1.2345678901234568e+17"}, {1e-7, "1e-07"}, {math.Copysign(0, -1), "-0.0"},
		{1e15, "1000000000000000.0"}, {1e16, "1e+16"}, {12345678.9, "12345678.9"}, {0.0001, "0.0001"},
		{0.00001, "1e-05"}, {-2.5, "-2.5"}, {1e301, "1e+301"}, {math.NaN(), "nan"}, {math.Inf(-1), "-inf"},
	}
	for _, c := range cases {
		if got := string(AppendFloat(nil, c.f, 64)); got != c.want {
			t.Errorf("%v: got %q, want %q", c.f, got, c.want)
		}
	}
}

func TestAppendDateBC(t *testing.T) {
	// DuckDB prints a date before year 1 with its BC year.
	if got := string(AppendDate(nil, -719163)); got != "0001-12-31 (BC)" {
		t.Errorf("the day before 0001-01-01 prints %q, want %q", got, "0001-12-31 (BC)")
	}
}
