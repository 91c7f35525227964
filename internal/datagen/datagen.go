package datagen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// Kinds lists the generators by name.
var Kinds = map[string]func(w io.Writer, size int64, seed uint64) error{
	"text":       Text,
	"uservisits": UserVisits,
	"jsonl":      UserVisitsJSONL,
}

const letters = "abcdefghijklmnopqrstuvwxyz"

func vocabulary(r *rand.Rand, n int) [][]byte {
	words := make([][]byte, n)
	for i := range words {
		w := make([]byte, 2+r.IntN(9))
		for j := range w {
			w[j] = letters[r.IntN(len(letters))]
		}
		words[i] = w
	}
	return words
}

// Text writes about size bytes of lines of words drawn from a Zipf
// distribution over a 100,000-word vocabulary (s = 1.1), whole lines only.
func Text(w io.Writer, size int64, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x5ca7))
	words := vocabulary(r, 100_000)
	zipf := rand.NewZipf(r, 1.1, 1, uint64(len(words)-1))
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int64
	line := make([]byte, 0, 256)
	for n < size {
		line = line[:0]
		for k := 4 + r.IntN(12); k > 0; k-- {
			if len(line) > 0 {
				if r.IntN(20) == 0 {
					line = append(line, '\t')
				} else {
					line = append(line, ' ')
				}
			}
			line = append(line, words[zipf.Uint64()]...)
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
		n += int64(len(line))
	}
	return bw.Flush()
}

type visit struct {
	ip, url, date, revenue, agent, country, lang, search, duration []byte
}

var (
	agents    = []string{"Mozilla/5.0", `"Mozilla/5.0 (X11, Linux)"`, "curl/8.1", `"Opera/9.80 (Windows NT 6.1; U; en)"`, "Safari/605.1"}
	countries = []string{"USA", "DEU", "FRA", "GBR", "JPN", "BRA", "IND", "CHN", "ESP", "ITA"}
	languages = []string{"en-US", "de-DE", "fr-FR", "en-GB", "ja-JP", "pt-BR", "hi-IN", "zh-CN", "es-ES", "it-IT"}
)

func (v *visit) fill(r *rand.Rand, ips [][]byte, words [][]byte, zipf *rand.Zipf) {
	v.ip = ips[zipf.Uint64()%uint64(len(ips))]
	v.url = fmt.Appendf(v.url[:0], "http://%s.example/%s", words[r.IntN(len(words))], words[r.IntN(len(words))])
	v.date = fmt.Appendf(v.date[:0], "%04d-%02d-%02d", 1980+r.IntN(30), 1+r.IntN(12), 1+r.IntN(28))
	v.revenue = strconv.AppendInt(v.revenue[:0], int64(r.IntN(1000)), 10)
	v.revenue = append(v.revenue, '.')
	v.revenue = fmt.Appendf(v.revenue, "%0*d", 1+r.IntN(5), r.IntN(10))
	c := r.IntN(len(countries))
	v.agent = []byte(agents[r.IntN(len(agents))])
	v.country, v.lang = []byte(countries[c]), []byte(languages[c])
	v.search = words[zipf.Uint64()%uint64(len(words))]
	v.duration = strconv.AppendInt(v.duration[:0], int64(1+r.IntN(100)), 10)
}

func ipPool(r *rand.Rand, n int) [][]byte {
	ips := make([][]byte, n)
	for i := range ips {
		ips[i] = fmt.Appendf(nil, "%d.%d.%d.%d", 1+r.IntN(254), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
	return ips
}

// UserVisits writes about size bytes of a uservisits-shaped CSV with a header
// row: sourceIP, destURL, visitDate, adRevenue, userAgent, countryCode,
// languageCode, searchWord, duration. Some userAgent fields are quoted.
func UserVisits(w io.Writer, size int64, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0xbdb))
	ips, words := ipPool(r, 50_000), vocabulary(r, 5_000)
	zipf := rand.NewZipf(r, 1.2, 1, 1<<20)
	bw := bufio.NewWriterSize(w, 1<<20)
	header := "sourceIP,destURL,visitDate,adRevenue,userAgent,countryCode,languageCode,searchWord,duration\n"
	n, err := bw.WriteString(header)
	if err != nil {
		return err
	}
	written := int64(n)
	var v visit
	line := make([]byte, 0, 256)
	for written < size {
		v.fill(r, ips, words, zipf)
		line = line[:0]
		for i, f := range [][]byte{v.ip, v.url, v.date, v.revenue, v.agent, v.country, v.lang, v.search, v.duration} {
			if i > 0 {
				line = append(line, ',')
			}
			line = append(line, f...)
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
		written += int64(len(line))
	}
	return bw.Flush()
}

// UserVisitsJSONL writes the same shape of data as JSON Lines.
func UserVisitsJSONL(w io.Writer, size int64, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0xbdc))
	ips, words := ipPool(r, 50_000), vocabulary(r, 5_000)
	zipf := rand.NewZipf(r, 1.2, 1, 1<<20)
	bw := bufio.NewWriterSize(w, 1<<20)
	var v visit
	var written int64
	line := make([]byte, 0, 256)
	for written < size {
		v.fill(r, ips, words, zipf)
		line = fmt.Appendf(line[:0], `{"sourceIP":%q,"destURL":%q,"visitDate":%q,"adRevenue":%s,"userAgent":%q,"countryCode":%q,"languageCode":%q,"searchWord":%q,"duration":%s}`+"\n",
			v.ip, v.url, v.date, v.revenue, v.agent, v.country, v.lang, v.search, v.duration)
		if _, err := bw.Write(line); err != nil {
			return err
		}
		written += int64(len(line))
	}
	return bw.Flush()
}
