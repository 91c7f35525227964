package pq

import (
	"bytes"
	"testing"

	"github.com/scattergather/scattergather/internal/duckfmt"
)

// TestUnblobReadsAppendBlob: a BLOB's text, as the reader prints it
// (appendBlob), reads back as its bytes, every byte value included; a
// backslash not followed by xHH is refused.
func TestUnblobReadsAppendBlob(t *testing.T) {
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
	}
	for _, b := range [][]byte{nil, []byte("abc"), all, []byte(`\"'`)} {
		got, err := appendUnblob(nil, appendBlob(nil, b))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("appendUnblob(appendBlob(%q)) = %q, %v", b, got, err)
		}
	}
	if got, err := appendUnblob(nil, []byte(`a\x4a\x4B`)); err != nil || string(got) != "aJK" {
		t.Errorf(`appendUnblob(a\x4a\x4B) = %q, %v`, got, err)
	}
	for _, bad := range []string{`\`, `\x`, `\x4`, `\y41`, `\x4g`} {
		if _, err := appendUnblob(nil, []byte(bad)); err == nil {
			t.Errorf("appendUnblob(%q): no error", bad)
		}
	}
}

// TestParseUUIDReadsAppendUUID: a UUID's text reads back as its 16 bytes;
// a text of another shape is refused.
func TestParseUUIDReadsAppendUUID(t *testing.T) {
	in := [16]byte{0xcf, 0xcd, 0x20, 0x84, 0x95, 0xd5, 0x65, 0xef, 0x66, 0xe7, 0xdf, 0xf9, 0xf9, 0x87, 0x64, 0xda}
	var got [16]byte
	if err := parseUUID(&got, appendUUID(nil, in[:])); err != nil || got != in {
		t.Errorf("parseUUID(%s) = %x, %v", appendUUID(nil, in[:]), got, err)
	}
	for _, bad := range []string{"", "cfcd2084-95d5-65ef-66e7-dff9f98764d", "cfcd2084x95d5-65ef-66e7-dff9f98764da", "cfcd2084-95d5-65ef-66e7-dff9f98764dg"} {
		if err := parseUUID(&got, []byte(bad)); err == nil {
			t.Errorf("parseUUID(%q): no error", bad)
		}
	}
}

// TestParseTimeReadsAppendTime: a TIME's text reads back as its
// microseconds, 24:00:00 included; a TIME WITH TIME ZONE's offset moves it
// to UTC within the day; other texts are refused.
func TestParseTimeReadsAppendTime(t *testing.T) {
	for _, v := range []int64{0, 1, 999_999, 3_600_000_000, 86_399_999_999, 86_400_000_000} {
		if got, err := parseTime(duckfmt.AppendTime(nil, v, 1e6), false); err != nil || got != v {
			t.Errorf("parseTime(%s) = %d, %v; want %d", duckfmt.AppendTime(nil, v, 1e6), got, err, v)
		}
	}
	for _, c := range []struct {
		text string
		want int64
	}{
		{"10:00:00+00", 36_000_000_000}, {"10:00:00+02", 28_800_000_000}, {"01:00:00+02", 82_800_000_000},
		{"23:30:00-01:00", 1_800_000_000}, {"10:00:00.5", 36_000_500_000},
	} {
		if got, err := parseTime([]byte(c.text), true); err != nil || got != c.want {
			t.Errorf("parseTime(%s, tz) = %d, %v; want %d", c.text, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "10:00", "25:00:00", "10:00:00x", "24:00:01"} {
		if _, err := parseTime([]byte(bad), false); err == nil {
			t.Errorf("parseTime(%q): no error", bad)
		}
	}
}

// TestParseTimesDoNotAllocate: the writer reads a TIME, a TIME WITH TIME
// ZONE and a TIMESTAMP WITH TIME ZONE value with an offset without an
// allocation (a value of a column, per record), and reads them right.
func TestParseTimesDoNotAllocate(t *testing.T) {
	cases := []struct {
		in   string
		tz   bool
		want int64
	}{
		{"10:00:00", false, 36_000_000_000},
		{"10:00:00.5+01", true, 32_400_500_000},
		{"00:30:00-01:30", true, 7_200_000_000},
		{"23:00:00-02:00:30", true, 3_630_000_000},
	}
	for _, c := range cases {
		b := []byte(c.in)
		var v int64
		var err error
		if n := testing.AllocsPerRun(50, func() { v, err = parseTime(b, c.tz) }); n != 0 {
			t.Errorf("%s: %v allocations", c.in, n)
		}
		if err != nil || v != c.want {
			t.Errorf("%s: %d, %v; want %d", c.in, v, err, c.want)
		}
	}
	b := []byte("2001-02-03 04:05:06+05:30")
	var v int64
	var err error
	if n := testing.AllocsPerRun(50, func() { v, err = parseTimestamp(b, &OutputColumn{Kind: OutTimestampTZ}) }); n != 0 {
		t.Errorf("TIMESTAMP WITH TIME ZONE: %v allocations", n)
	}
	if want := int64(981_153_306_000_000); err != nil || v != want {
		t.Errorf("TIMESTAMP WITH TIME ZONE: %d, %v; want %d", v, err, want)
	}
	for _, bad := range []string{"10:00:00+1", "10:00:00+01:", "10:00:00+01:00:00:00", "10:00:00+0a"} {
		if _, err := parseTime([]byte(bad), true); err == nil {
			t.Errorf("%s: read as a time", bad)
		}
	}
}
