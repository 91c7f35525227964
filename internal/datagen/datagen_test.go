package datagen

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func visits(t *testing.T, size int64, seed uint64, opts VisitOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := UserVisitsWith(&b, size, seed, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// distinct counts the distinct values of column col (its first n bytes when
// n > 0) of a uservisits CSV, checking that every row parses with 9 fields.
func distinct(t *testing.T, data []byte, col, n int) (values, rows int) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range recs[1:] {
		if len(r) != 9 {
			t.Fatalf("row %q has %d fields", r, len(r))
		}
		v := r[col]
		if n > 0 && len(v) > n {
			v = v[:n]
		}
		seen[v] = true
	}
	return len(seen), len(recs) - 1
}

func TestUserVisitsDeterministic(t *testing.T) {
	a, b := visits(t, 200_000, 7, VisitOptions{}), visits(t, 200_000, 7, VisitOptions{})
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed wrote different bytes")
	}
	if c := visits(t, 200_000, 8, VisitOptions{}); bytes.Equal(a, c) {
		t.Fatal("another seed wrote the same bytes")
	}
	var u bytes.Buffer
	if err := UserVisits(&u, 200_000, 7); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, u.Bytes()) {
		t.Fatal("UserVisits is not UserVisitsWith's default (high) cardinality")
	}
}

// TestUserVisitsCardinality: the default draws addresses from the whole IPv4
// space (nearly every row a new address and most a new Q2 prefix), the low
// preset and --ips N at most N addresses, --urls N at most N URLs.
func TestUserVisitsCardinality(t *testing.T) {
	high := visits(t, 2<<20, 1, Cardinalities["high"])
	ips, rows := distinct(t, high, 0, 0)
	prefixes, _ := distinct(t, high, 0, 8)
	urls, _ := distinct(t, high, 1, 0)
	if ips < rows*99/100 || prefixes < rows*3/4 || urls < rows*99/100 {
		t.Errorf("high: %d rows have %d addresses, %d Q2 prefixes, %d URLs; want nearly all distinct", rows, ips, prefixes, urls)
	}
	firstOctets := map[string]bool{}
	for _, l := range strings.Split(string(high), "\n")[1:] {
		if o, _, ok := strings.Cut(l, "."); ok {
			firstOctets[o] = true
		}
	}
	if len(firstOctets) < 250 {
		t.Errorf("high: %d distinct first octets, want the whole space", len(firstOctets))
	}

	low := visits(t, 2<<20, 1, Cardinalities["low"])
	lips, lrows := distinct(t, low, 0, 0)
	if lips > 50_000 || lips > lrows/2 {
		t.Errorf("low: %d rows have %d addresses; want at most 50,000 and many repeats", lrows, lips)
	}
	few := visits(t, 1<<20, 1, VisitOptions{IPs: 100, URLs: 30})
	fips, frows := distinct(t, few, 0, 0)
	furls, _ := distinct(t, few, 1, 0)
	if fips > 100 || furls != 30 || frows < 1000 {
		t.Errorf("IPs 100, URLs 30: %d rows have %d addresses and %d URLs", frows, fips, furls)
	}
}

// TestVisitAddressBijective: the pool's index-to-address map never gives
// two indexes one address, so IPs: N means N distinct addresses.
func TestVisitAddressBijective(t *testing.T) {
	g := newVisitGen(3, 0, VisitOptions{IPs: 1 << 20})
	seen := make(map[uint32]bool, 1<<20)
	for i := uint64(0); i < 1<<20; i++ {
		a := g.address(i)
		if seen[a] {
			t.Fatalf("index %d repeats address %#x", i, a)
		}
		seen[a] = true
	}
}

// TestWriteFile: WriteFile writes and returns what the kind's generator writes for the
// seed, and an unknown kind is an error naming it.
func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "visits.csv")
	got, err := WriteFile(path, "uservisits", 4<<10, 9)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := UserVisits(&want, 4<<10, 9); err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) || !bytes.Equal(onDisk, got) {
		t.Fatalf("WriteFile returned %d bytes and wrote %d; UserVisits writes %d", len(got), len(onDisk), want.Len())
	}
	if _, err := Bytes("csv", 10, 1); err == nil || !strings.Contains(err.Error(), `"csv"`) {
		t.Fatalf("Bytes of an unknown kind: %v, want an error naming it", err)
	}
}
