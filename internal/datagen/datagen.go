package datagen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// Kinds lists the generators by name.
var Kinds = map[string]func(w io.Writer, size int64, seed uint64) error{
	"text":       Text,
	"uservisits": UserVisits,
	"jsonl":      UserVisitsJSONL,
	"orders":     Orders,
	"ordersjson": OrdersJSONL,
}

// Bytes returns size bytes of the generator kind names in Kinds, from seed.
func Bytes(kind string, size int64, seed uint64) ([]byte, error) {
	gen, ok := Kinds[kind]
	if !ok {
		return nil, fmt.Errorf("datagen: no generator %q", kind)
	}
	var b bytes.Buffer
	if err := gen(&b, size, seed); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteFile writes Bytes(kind, size, seed) to a file at path, and returns them.
func WriteFile(path, kind string, size int64, seed uint64) ([]byte, error) {
	b, err := Bytes(kind, size, seed)
	if err != nil {
		return nil, err
	}
	return b, os.WriteFile(path, b, 0o644)
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

// VisitOptions sets how many distinct values the uservisits generators draw
// the keys of the Big Data Benchmark's queries from.
type VisitOptions struct {
	// IPs is the number of distinct sourceIP addresses, drawn with a Zipf
	// skew (s = 1.2, a web log's few heavy visitors); 0 draws every address
	// uniformly from the whole IPv4 space, as the benchmark's uservisits
	// does, so that Q2's 8-byte prefixes number in the millions at scale.
	IPs uint64
	// URLs is the number of distinct destURLs, drawn uniformly; 0 draws
	// them from 2^32.
	URLs uint64
}

// Cardinalities names the presets of VisitOptions: high is the default and
// the benchmark's realistic data; low is the data `make bench` used before
// (50,000 addresses with Zipf skew: about 42,000 Q2 groups per GiB).
var Cardinalities = map[string]VisitOptions{
	"high": {},
	"low":  {IPs: 50_000, URLs: 25_000_000},
}

// visitGen draws the rows of the uservisits generators.
type visitGen struct {
	r     *rand.Rand
	opts  VisitOptions
	words [][]byte
	ipz   *rand.Zipf // nil: uniform over IPv4
	mix   uint32     // seed-dependent, so the address pool differs by seed
	wordz *rand.Zipf
}

func newVisitGen(seed, stream uint64, opts VisitOptions) *visitGen {
	r := rand.New(rand.NewPCG(seed, stream))
	g := &visitGen{r: r, opts: opts, words: vocabulary(r, 5_000), mix: uint32(seed*0x9e3779b97f4a7c15>>32) | 1}
	if opts.IPs > 0 {
		g.ipz = rand.NewZipf(r, 1.2, 1, opts.IPs-1)
	}
	g.wordz = rand.NewZipf(r, 1.2, 1, uint64(len(g.words)-1))
	return g
}

// address maps an index of the address pool to an IPv4 address: a
// bijection on 32 bits, so n indexes give n distinct addresses spread over
// the whole space.
func (g *visitGen) address(i uint64) uint32 {
	x := uint32(i) ^ g.mix
	x *= 0x9e3779b1
	x ^= x >> 15
	x *= 0x85ebca6b
	x ^= x >> 13
	return x
}

func appendIP(dst []byte, a uint32) []byte {
	for i := 3; i >= 0; i-- {
		dst = strconv.AppendUint(dst, uint64(a>>(8*i)&0xff), 10)
		if i > 0 {
			dst = append(dst, '.')
		}
	}
	return dst
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(dst []byte, v, width int) []byte {
	var b [20]byte
	s := strconv.AppendInt(b[:0], int64(v), 10)
	for k := len(s); k < width; k++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

func (g *visitGen) fill(v *visit) {
	r := g.r
	if g.ipz != nil {
		v.ip = appendIP(v.ip[:0], g.address(g.ipz.Uint64()))
	} else {
		v.ip = appendIP(v.ip[:0], r.Uint32())
	}
	var id uint64
	if g.opts.URLs > 0 {
		id = r.Uint64N(g.opts.URLs)
	} else {
		id = uint64(r.Uint32())
	}
	n := uint64(len(g.words))
	v.url = append(append(v.url[:0], "http://"...), g.words[id%n]...)
	v.url = append(append(v.url, ".example/"...), g.words[id/n%n]...)
	if id >= n*n {
		v.url = strconv.AppendUint(append(v.url, '/'), id/(n*n), 36)
	}
	v.date = appendPadded(v.date[:0], 1980+r.IntN(30), 4)
	v.date = appendPadded(append(v.date, '-'), 1+r.IntN(12), 2)
	v.date = appendPadded(append(v.date, '-'), 1+r.IntN(28), 2)
	v.revenue = strconv.AppendInt(v.revenue[:0], int64(r.IntN(1000)), 10)
	v.revenue = append(v.revenue, '.')
	v.revenue = appendPadded(v.revenue, r.IntN(10), 1+r.IntN(5))
	c := r.IntN(len(countries))
	v.agent = append(v.agent[:0], agents[r.IntN(len(agents))]...)
	v.country = append(v.country[:0], countries[c]...)
	v.lang = append(v.lang[:0], languages[c]...)
	v.search = g.words[g.wordz.Uint64()]
	v.duration = strconv.AppendInt(v.duration[:0], int64(1+r.IntN(100)), 10)
}

// UserVisits writes about size bytes of a uservisits-shaped CSV with a header
// row: sourceIP, destURL, visitDate, adRevenue, userAgent, countryCode,
// languageCode, searchWord, duration. Some userAgent fields are quoted. Its
// cardinality is the default (high) one of UserVisitsWith.
func UserVisits(w io.Writer, size int64, seed uint64) error {
	return UserVisitsWith(w, size, seed, VisitOptions{})
}

// UserVisitsWith is UserVisits with the cardinality of opts.
func UserVisitsWith(w io.Writer, size int64, seed uint64, opts VisitOptions) error {
	g := newVisitGen(seed, 0xbdb, opts)
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
		g.fill(&v)
		line = line[:0]
		for i, f := range [...][]byte{v.ip, v.url, v.date, v.revenue, v.agent, v.country, v.lang, v.search, v.duration} {
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
	return UserVisitsJSONLWith(w, size, seed, VisitOptions{})
}

// UserVisitsJSONLWith is UserVisitsJSONL with the cardinality of opts.
func UserVisitsJSONLWith(w io.Writer, size int64, seed uint64, opts VisitOptions) error {
	g := newVisitGen(seed, 0xbdc, opts)
	bw := bufio.NewWriterSize(w, 1<<20)
	var v visit
	var written int64
	line := make([]byte, 0, 256)
	for written < size {
		g.fill(&v)
		line = fmt.Appendf(line[:0], `{"sourceIP":%q,"destURL":%q,"visitDate":%q,"adRevenue":%s,"userAgent":%q,"countryCode":%q,"languageCode":%q,"searchWord":%q,"duration":%s}`+"\n",
			v.ip, v.url, v.date, v.revenue, v.agent, v.country, v.lang, v.search, v.duration)
		if _, err := bw.Write(line); err != nil {
			return err
		}
		written += int64(len(line))
	}
	return bw.Flush()
}

// VisitKinds are the generators of Kinds that take VisitOptions.
var VisitKinds = map[string]func(w io.Writer, size int64, seed uint64, opts VisitOptions) error{
	"uservisits": UserVisitsWith,
	"jsonl":      UserVisitsJSONLWith,
}

// order holds one generated order; an empty text is a missing value.
type order struct {
	id                                   int64
	customer, country, date, amount, qty string
	discount, note, flag                 string
	customerNull, countryNull, dateNull  bool
	amountNull, qtyNull, discountNull    bool
	noteNull, flagNull                   bool
}

var (
	orderCustomers = []string{"Ada", "Zoë", "Łukasz", "日本語", "O'Brien", "Smith, John", `The "Best" Co`, "ada", "Émile", "  padded  ", "x_y%z", "Mario", "mario", "Ünal", "Ana-María"}
	orderCountries = []string{"USA", "DEU", "FRA", "GBR", "JPN", "BRA", "usa"}
	orderNotes     = []string{"rush", "gift wrap", "call before", "fragile; handle with care", "dép'ôt", "a,b,c", `say "hi"`, "ok", "Ok", "OK"}
)

func (o *order) fill(r *rand.Rand, id int64) {
	*o = order{id: id}
	o.customer = orderCustomers[r.IntN(len(orderCustomers))]
	o.customerNull = r.IntN(40) == 0
	o.country = orderCountries[r.IntN(len(orderCountries))]
	o.countryNull = r.IntN(25) == 0
	o.date = fmt.Sprintf("%04d-%02d-%02d", 2018+r.IntN(6), 1+r.IntN(12), 1+r.IntN(28))
	o.dateNull = r.IntN(30) == 0
	cents := r.IntN(200_000) - 20_000 // some negative
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	o.amount = fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
	o.amountNull = r.IntN(20) == 0
	o.qty = strconv.Itoa(r.IntN(60) - 10)
	o.qtyNull = r.IntN(35) == 0
	o.discount = strconv.FormatFloat(float64(r.IntN(400))/1000, 'f', -1, 64)
	o.discountNull = r.IntN(15) == 0
	o.note = orderNotes[r.IntN(len(orderNotes))]
	o.noteNull = r.IntN(4) == 0
	o.flag = strconv.FormatBool(r.IntN(3) == 0)
	o.flagNull = r.IntN(50) == 0
}

// Orders writes about size bytes of an orders CSV for the SQL tests, with a
// header row: id (unique, increasing), customer (UTF-8, quotes, commas,
// spaces), country, orderDate (YYYY-MM-DD), amount (two decimals, some
// negative), qty (integer, some negative), discount (a fraction), note
// (quoted text with commas and quotes), flag (true/false). Every column but
// id has empty fields, which DuckDB reads as NULL.
func Orders(w io.Writer, size int64, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x0d3))
	bw := bufio.NewWriterSize(w, 1<<20)
	n, err := bw.WriteString("id,customer,country,orderDate,amount,qty,discount,note,flag\n")
	if err != nil {
		return err
	}
	written := int64(n)
	var o order
	line := make([]byte, 0, 256)
	field := func(v string, null bool) {
		line = append(line, ',')
		if !null {
			line = csvField(line, v)
		}
	}
	for id := int64(1); written < size; id++ {
		o.fill(r, id)
		line = strconv.AppendInt(line[:0], o.id, 10)
		field(o.customer, o.customerNull)
		field(o.country, o.countryNull)
		field(o.date, o.dateNull)
		field(o.amount, o.amountNull)
		field(o.qty, o.qtyNull)
		field(o.discount, o.discountNull)
		field(o.note, o.noteNull)
		field(o.flag, o.flagNull)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
		written += int64(len(line))
	}
	return bw.Flush()
}

// csvField appends v as a CSV field, quoted when it holds a comma, a quote
// or a space at either end.
func csvField(dst []byte, v string) []byte {
	if !strings.ContainsAny(v, ",\"") && strings.TrimSpace(v) == v {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	dst = append(dst, strings.ReplaceAll(v, `"`, `""`)...)
	return append(dst, '"')
}

// OrdersJSONL writes the orders of Orders as JSON Lines: a missing value is
// null or an absent member.
func OrdersJSONL(w io.Writer, size int64, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x0d4))
	bw := bufio.NewWriterSize(w, 1<<20)
	var written int64
	var o order
	line := make([]byte, 0, 256)
	for id := int64(1); written < size; id++ {
		o.fill(r, id)
		line = fmt.Appendf(line[:0], `{"id":%d`, o.id)
		member := func(name, v string, null, number bool) {
			switch {
			case null && id%2 == 0:
				return // absent
			case null:
				line = fmt.Appendf(line, `,%q:null`, name)
			case number:
				line = fmt.Appendf(line, `,%q:%s`, name, v)
			default:
				b, _ := json.Marshal(v)
				line = fmt.Appendf(line, `,%q:%s`, name, b)
			}
		}
		member("customer", o.customer, o.customerNull, false)
		member("country", o.country, o.countryNull, false)
		member("orderDate", o.date, o.dateNull, false)
		member("amount", o.amount, o.amountNull, true)
		member("qty", o.qty, o.qtyNull, true)
		member("discount", o.discount, o.discountNull, true)
		member("note", o.note, o.noteNull, false)
		member("flag", o.flag, o.flagNull, true)
		line = append(line, "}\n"...)
		if _, err := bw.Write(line); err != nil {
			return err
		}
		written += int64(len(line))
	}
	return bw.Flush()
}

// MisleadingCSV is a CSV (columns k and v, CRLF rows) whose record b holds
// a quoted field of at least size bytes made of lines that look like
// records ("""","""" on each). A chunk that starts inside that field and
// speculates its quote state over a window shorter than the field guesses
// wrong, so the tests of the confirmation that reads such a chunk again use
// it. Its records are k = a, b, c, a.
func MisleadingCSV(size int) []byte {
	var b bytes.Buffer
	b.WriteString("k,v\r\na,1\r\nb,\"start\n")
	for b.Len() < size {
		b.WriteString("\"\"\"\",\"\"\"\"\n")
	}
	b.WriteString("end\"\r\nc,2\r\na,3\r\n")
	return b.Bytes()
}
