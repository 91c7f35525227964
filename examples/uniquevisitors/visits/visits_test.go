package visits_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"example.com/uniquevisitors/visits"

	"github.com/scattergather/scattergather/job/jobtest"
)

// uservisits writes n rows shaped like the Big Data Benchmark's uservisits,
// with its columns in a shuffled order (the job finds them by name), and
// returns the expected output, computed here without the framework.
func uservisits(seed uint64, n int) (data, want []byte) {
	r := rand.New(rand.NewPCG(seed, 1))
	cols := []string{"sourceIP", "destURL", "visitDate", "adRevenue", "userAgent", "countryCode", "languageCode", "searchWord", "duration"}
	r.Shuffle(len(cols), func(i, j int) { cols[i], cols[j] = cols[j], cols[i] })
	var b bytes.Buffer
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c)
	}
	b.WriteByte('\n')
	distinct := map[string]map[string]bool{}
	for i := 0; i < n; i++ {
		url := fmt.Sprintf("http://example.com/page%d", r.IntN(40))
		if r.IntN(10) == 0 {
			url = fmt.Sprintf(`"http://example.com/q?a=%d,b"`, r.IntN(5)) // a quoted field with a comma
		}
		ip := fmt.Sprintf("10.%d.%d.%d", r.IntN(3), r.IntN(4), r.IntN(50))
		vals := map[string]string{"sourceIP": ip, "destURL": url, "visitDate": "2021-01-02", "adRevenue": "0.5",
			"userAgent": "Mozilla", "countryCode": "USA", "languageCode": "en", "searchWord": "x", "duration": "7"}
		for j, c := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(vals[c])
		}
		b.WriteByte('\n')
		key := url
		if key[0] == '"' {
			key = key[1 : len(key)-1]
		}
		if distinct[key] == nil {
			distinct[key] = map[string]bool{}
		}
		distinct[key][ip] = true
	}
	urls := make([]string, 0, len(distinct))
	for u := range distinct {
		urls = append(urls, u)
	}
	slices.Sort(urls)
	var w bytes.Buffer
	w.WriteString("destURL,uniqueVisitors\n")
	for _, u := range urls {
		if bytes.ContainsAny([]byte(u), ",\"") {
			fmt.Fprintf(&w, "%q,%d\n", u, len(distinct[u]))
		} else {
			fmt.Fprintf(&w, "%s,%d\n", u, len(distinct[u]))
		}
	}
	return b.Bytes(), w.Bytes()
}

func TestUniqueVisitors(t *testing.T) {
	a, wantA := uservisits(1, 3000)
	b, _ := uservisits(2, 500)
	jobtest.Check(t, visits.UniqueVisitors,
		jobtest.Case{Name: "one file", Inputs: []jobtest.Input{{Name: "visits.csv", Data: a}}, Want: wantA},
		jobtest.Case{Name: "two files", Inputs: []jobtest.Input{{Name: "a.csv", Data: a}, {Name: "b.csv", Data: b}}},
		jobtest.Case{Name: "bad quoting", Inputs: []jobtest.Input{{Name: "v.csv", Data: []byte("sourceIP,destURL\n1.2.3.4,x\n5.6.7.8,\"y\n")}},
			Want: []byte("destURL,uniqueVisitors\nx,1\n"), BadRecord: "v.csv:27"},
	)
}
