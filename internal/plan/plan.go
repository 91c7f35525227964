package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/codec"
	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/pq"
)

// DefaultChunkSize is the chunk size when none is given: 64 MiB.
const DefaultChunkSize = 64 << 20

// ChunkSizeOr is the chunk size a job plans with: asked, the one the job asks for,
// when it asks for one (not 0), else configured (a deployment's or a handler's
// default) when set, else DefaultChunkSize.
func ChunkSizeOr(asked, configured int64) int64 {
	if asked == 0 {
		asked = configured
	}
	if asked <= 0 {
		return DefaultChunkSize
	}
	return asked
}

// DefaultMaxChunks caps a plan; a bigger plan is refused with advice to raise the chunk size.
const DefaultMaxChunks = 100_000

// Object is one input object, resolved from a source the user named.
type Object struct {
	// Source is the object's name as the user gave it: a path, a path under a
	// given directory, or s3://bucket/key.
	Source string `json:"src"`
	// URL is the object's location for a blob.Mux: a local path or s3://bucket/key.
	URL string `json:"url"`
	// Size is the object's length in bytes.
	Size int64 `json:"size"`
	// ETag identifies the object's version (S3 ETag, or size and mtime locally).
	ETag string `json:"etag"`
	// Ordinal is the object's position in input order.
	Ordinal int `json:"ord"`
	// Parquet is the footer of a Parquet object (named .parquet), read by
	// Resolve: Split cuts the object at its row groups.
	Parquet *pq.Footer `json:"-"`
	// Header is, for a CSV object whose header follows a preamble (title
	// lines that DuckDB's sniffer skips: SniffDialect), the byte offset of
	// its header record (in the decompressed text of a compressed object);
	// 0 for the first record.
	Header int64 `json:"hdr,omitempty"`
	// NoHeader is, for a CSV object without a header row (as DuckDB's
	// read_csv sniffs it: header.go), true: its record at Header is its
	// first row, and its columns are column0, column1, ...
	NoHeader bool `json:"nohdr,omitempty"`
	// Delim is, for a CSV object whose delimiter sniffs otherwise than the
	// job's (its "delim" parameter, that of the first CSV input of two
	// fields or more), its own, as DuckDB's read_csv sniffs each file of a
	// list; "" reads it with the job's.
	Delim string `json:"dlm,omitempty"`
	// Quote and Escape are, for a CSV object whose fields sniff quoted
	// otherwise than with '"' and a doubled '"' (SniffDialect: a ' for
	// the quote, a backslash for the escape), its quote and escape
	// bytes; "" is '"' for Quote, the quote (doubled) for Escape.
	Quote  string `json:"qt,omitempty"`
	Escape string `json:"esc,omitempty"`
}

// FormatParquet marks a Part of a Parquet object: it owns the row groups
// whose first byte lies in [Start, End).
const FormatParquet = "parquet"

// Codec returns the compression of the object by its name (codec.Of), or ""
// for an object read as it is. A compressed object cannot be entered in the
// middle, so it is one part, read whole and decompressed.
func (o Object) Codec() string { return codec.Of(o.URL) }

// Part is a byte range [Start, End) of one object, owned by one chunk.
// The chunk owns every record whose first byte lies in the range.
type Part struct {
	Source  string `json:"src"`
	URL     string `json:"url"`
	Ordinal int    `json:"ord"`
	Start   int64  `json:"start"`
	End     int64  `json:"end"`
	// Size is the whole object's size, so readers know where it ends.
	Size int64 `json:"size"`
	// Codec names the compression of an object read whole and decompressed
	// (Start 0, End Size): a codec format, or "" for none.
	Codec string `json:"codec,omitempty"`
	// Gzip is how plans written before Codec marked a gzip object; a job
	// planned then and resumed now still reads it decompressed.
	Gzip bool `json:"gzip,omitempty"`
	// Format is FormatParquet for a run of a Parquet object's row groups
	// (those whose first byte lies in [Start, End)), "" for text.
	Format string `json:"fmt,omitempty"`
	// Footer is, for a Parquet part, the length of the object's footer
	// metadata, which the splitter read: the footer is the object's bytes
	// [Size-8-Footer, Size) (its length and the magic end the object), so a
	// mapper fetches it with one ranged GET instead of two (pq.ReadFooterAt).
	// 0 when unknown (a plan written before it). A few bytes of the item,
	// counted in MaxChunkJSON as every field is.
	Footer int64 `json:"ftr,omitempty"`
	// Header is the object's Object.Header: the byte offset of a CSV
	// header after a preamble. The object's records start there: a part
	// ending at or before it owns none, the one it lies in owns the
	// header and reads from it, and the parts after it are unchanged.
	Header int64 `json:"hdr,omitempty"`
	// NoHeader is the object's Object.NoHeader: the record at Header is
	// not a header but the first row, owned by the part its first byte
	// lies in, and the columns are column0, column1, ...
	NoHeader bool `json:"nohdr,omitempty"`
	// Delim is the object's Object.Delim: its fields' delimiter when it is
	// not the job's ("" reads it with the job's).
	Delim string `json:"dlm,omitempty"`
	// Quote and Escape are the object's Object.Quote and Object.Escape
	// (Quoting).
	Quote  string `json:"qt,omitempty"`
	Escape string `json:"esc,omitempty"`
}

// Quoting is how the fields of the part's CSV records are quoted: its
// Quote and Escape, '"' doubled when they are "".
func (p Part) Quoting() csvline.Quoting { return QuotingOf(p.Quote, p.Escape) }

// QuotingOf is the quoting that an Object's (or Part's) Quote and Escape
// record: '"' for an empty quote, the quote (doubled) for an empty escape.
func QuotingOf(quote, escape string) csvline.Quoting {
	qt := csvline.RFC4180
	if quote != "" {
		qt.Quote = quote[0]
	}
	qt.Escape = qt.Quote
	if escape != "" {
		qt.Escape = escape[0]
	}
	return qt
}

// quotingFields are the Quote and Escape an Object records for qt: ""
// for '"' and for an escape that is the quote.
func quotingFields(qt csvline.Quoting) (quote, escape string) {
	if qt.Quote == 0 {
		return "", "" // not sniffed
	}
	if qt.Quote != '"' {
		quote = string(qt.Quote)
	}
	if qt.Escape != qt.Quote {
		escape = string(qt.Escape)
	}
	return quote, escape
}

// Compression is the part's codec format, from Codec or the older Gzip.
func (p Part) Compression() string {
	if p.Codec == "" && p.Gzip {
		return codec.Gzip
	}
	return p.Codec
}

// Chunk is one unit of map work: one or more parts, in input order.
type Chunk struct {
	Index int    `json:"index"`
	Parts []Part `json:"parts"`
}

// Bytes is the number of input bytes the chunk covers.
func (c Chunk) Bytes() int64 {
	var n int64
	for _, p := range c.Parts {
		n += p.End - p.Start
	}
	return n
}

// InputError is an input the user named that cannot be planned: missing,
// empty, unreadable or malformed. It is not retryable.
type InputError struct {
	Input string
	Err   error
}

func (e *InputError) Error() string { return fmt.Sprintf("input %s: %v", e.Input, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// Resolve expands the user's sources into objects in input order: each source in
// the order given; a directory's regular files, a prefix's objects and a
// pattern's matches (IsGlob) sorted by path.
// store must accept locations (a blob.Mux).
func Resolve(ctx context.Context, store blob.Store, sources []string) ([]Object, error) {
	objs, err := resolveObjects(ctx, store, sources)
	if err != nil {
		return nil, err
	}
	if err := readFooters(ctx, store, objs); err != nil {
		return nil, err
	}
	return objs, nil
}

// resolveObjects is Resolve but for the Parquet footers (readFooters).
func resolveObjects(ctx context.Context, store blob.Store, sources []string) ([]Object, error) {
	if len(sources) == 0 {
		return nil, &InputError{Input: "(none)", Err: errors.New("no input given")}
	}
	var objs []Object
	for _, src := range sources {
		found, err := resolveOne(ctx, store, src)
		if err != nil {
			return nil, err
		}
		objs = append(objs, found...)
	}
	for i := range objs {
		objs[i].Ordinal = i
	}
	return objs, nil
}

// footerReads bounds the Parquet footers Resolve reads at once.
const footerReads = 8

// readFooters reads the footer of every object named .parquet (two ranged
// GETs each), so that Split can cut it at its row groups. A damaged footer is
// an InputError naming the object; a store failure is worth another try.
func readFooters(ctx context.Context, store blob.Store, objs []Object) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(footerReads)
	for i := range objs {
		o := &objs[i]
		if o.Size < 12 || o.Codec() != "" || !(pq.IsParquetName(o.URL) || mayBeParquet(o.URL)) {
			continue
		}
		g.Go(func() error {
			if !pq.IsParquetName(o.URL) {
				// No name says what it is: the PAR1 magic does (one small read).
				is, err := pq.Sniff(ctx, store, o.URL)
				if err != nil {
					return storeError(o.Source, err)
				}
				if !is {
					return nil
				}
			}
			f, err := pq.ReadFooter(ctx, store, o.Source, o.URL, o.Size)
			if err != nil {
				var se *pq.StoreError
				if errors.As(err, &se) && !blob.Permanent(err) {
					return fmt.Errorf("input %s: %w", o.Source, err)
				}
				return &InputError{Input: o.Source, Err: err}
			}
			o.Parquet = f
			return nil
		})
	}
	return g.Wait()
}

// textExtensions name objects that are not Parquet whatever their bytes.
var textExtensions = map[string]bool{".csv": true, ".tsv": true, ".txt": true, ".log": true, ".jsonl": true,
	".ndjson": true, ".json": true, ".md": true, ".xml": true, ".html": true, ".gz": true, ".zst": true, ".bz2": true}

// mayBeParquet reports an object whose name does not say its format (no
// extension, or one not known as text): Resolve sniffs it for the PAR1 magic.
func mayBeParquet(name string) bool {
	base := name[strings.LastIndexByte(name, '/')+1:]
	ext := strings.ToLower(filepath.Ext(base))
	return !textExtensions[ext]
}

func resolveOne(ctx context.Context, store blob.Store, src string) ([]Object, error) {
	if err := ValidateLocation(src); err != nil {
		return nil, &InputError{Input: src, Err: err}
	}
	if IsGlob(src) {
		return resolveGlob(ctx, store, src)
	}
	if blob.IsS3(src) {
		if strings.HasSuffix(src, "/") {
			infos, err := store.List(ctx, src)
			if err != nil {
				return nil, storeError(src, err)
			}
			var objs []Object
			for _, in := range infos {
				if strings.HasSuffix(in.Key, "/") { // folder marker objects
					continue
				}
				objs = append(objs, Object{Source: in.Key, URL: in.Key, Size: in.Size, ETag: in.ETag})
			}
			if len(objs) == 0 {
				return nil, &InputError{Input: src, Err: errors.New("no objects under this prefix")}
			}
			return objs, nil
		}
		in, err := store.Stat(ctx, src)
		if err != nil {
			return nil, storeError(src, err)
		}
		return []Object{{Source: src, URL: src, Size: in.Size, ETag: in.ETag}}, nil
	}
	if err := localPathsRead(store, src); err != nil {
		return nil, err
	}
	fi, err := os.Stat(src)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &InputError{Input: src, Err: errors.New("no such file or directory")}
		}
		return nil, &InputError{Input: src, Err: err}
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return nil, &InputError{Input: src, Err: errors.New("not a regular file")}
		}
		return []Object{localObject(src, src, fi)}, nil
	}
	var objs []Object
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		objs = append(objs, localObject(path, path, fi))
		return nil
	})
	if err != nil {
		return nil, &InputError{Input: src, Err: err}
	}
	if len(objs) == 0 {
		return nil, &InputError{Input: src, Err: errors.New("directory has no regular files")}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].URL < objs[j].URL })
	return objs, nil
}

// localPathsRead refuses a local source when store reads s3:// locations only.
func localPathsRead(store blob.Store, src string) error {
	if lp, ok := store.(interface{ LocalPaths() bool }); ok && !lp.LocalPaths() {
		return &InputError{Input: src, Err: fmt.Errorf("%w: a function on Lambda reads s3://bucket/key and s3://bucket/prefix/ inputs (and patterns of them) only", blob.ErrLocalPath)}
	}
	return nil
}

// storeError is an InputError when the store's failure is the input's fault
// (blob.Permanent); otherwise it is a plain error, worth another try.
func storeError(src string, err error) error {
	if blob.Permanent(err) {
		return &InputError{Input: src, Err: err}
	}
	return fmt.Errorf("input %s: %w", src, err)
}

func localObject(source, path string, fi fs.FileInfo) Object {
	return Object{
		Source: source,
		URL:    path,
		Size:   fi.Size(),
		ETag:   blob.FileETag(fi),
	}
}

// ValidateLocation rejects locations no store should be asked for: empty,
// over 1,024 bytes, with control characters, or with a ".." path segment.
func ValidateLocation(loc string) error {
	if loc == "" {
		return errors.New("empty location")
	}
	if len(loc) > blob.MaxKeyLen {
		return fmt.Errorf("location is %d bytes, over the limit of %d", len(loc), blob.MaxKeyLen)
	}
	for i := 0; i < len(loc); i++ {
		if c := loc[i]; c < 0x20 || c == 0x7f {
			return fmt.Errorf("control character 0x%02x at byte %d", c, i)
		}
	}
	if blob.IsS3(loc) {
		bucket, key, _ := blob.ParseS3(loc)
		if bucket == "" {
			return errors.New("s3 location has no bucket")
		}
		for _, seg := range strings.Split(key, "/") {
			if seg == ".." {
				return errors.New(`".." segment in key`)
			}
		}
	}
	return nil
}

// CheckOutput refuses an output location that is one of the inputs (the job
// would overwrite what it reads) or whose suffix names a compression it
// cannot write (.bz2). An output named .gz or .zst is written compressed.
func CheckOutput(objs []Object, output string) error {
	if c := codec.Of(output); c != "" {
		if _, err := codec.Writer(c, io.Discard); err != nil {
			return fmt.Errorf("output %s: %w", output, err)
		}
	}
	for _, o := range objs {
		if o.URL == output {
			return fmt.Errorf("output %s would overwrite input %s", output, o.Source)
		}
	}
	return nil
}

// MaxChunkJSON bounds a chunk's JSON encoding (a manifest item). The state machine
// passes each item, with the job's ID, name, parameters and work area, to a child
// execution of the Distributed Map, whose input is limited to 256 KiB
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); a chunk
// of at most 64 KiB leaves the rest to the job's parameters (pipeline.MaxItemOverhead).
const MaxChunkJSON = 64 << 10

// chunkJSONBase is the length of a chunk's JSON without its parts, for the largest
// index a plan has: {"index":99999999,"parts":[]}.
const chunkJSONBase = len(`{"index":99999999,"parts":[]}`)

// partJSON is the length of p's JSON encoding.
func partJSON(p Part) int {
	b, _ := json.Marshal(p) // a Part always encodes
	return len(b)
}

// Split cuts objects into chunks of about chunkSize bytes. An object larger than
// chunkSize is cut into byte ranges; consecutive smaller objects are packed into
// one chunk while they fit, and while the chunk's JSON stays within MaxChunkJSON (so
// many small objects make several chunks, not one manifest item of megabytes); a
// compressed object (codec.Of) is a chunk of its own, read whole; an empty object is
// dropped (it has no records). A Parquet object (one Resolve read the footer of) is cut
// into runs of whole row groups, weighed by their decoded (uncompressed) size:
// what a mapper spends its time on is decoding values, and a row group's
// decoded size is near the size of the same rows as text, so a chunk of
// Parquet is about as much work as a chunk of CSV.
func Split(objs []Object, chunkSize int64) []Chunk {
	return SplitColumns(objs, chunkSize, nil)
}

// SplitColumns is Split for a job that reads only the named columns: a
// Parquet row group weighs the decoded bytes of those columns, what its
// mapper decodes, so a job that reads a narrow slice of a wide file gets
// fewer, longer chunks (a Parquet scan costs what it reads). columns nil
// means every column; empty, none (SELECT count(*)): a Parquet object
// then weighs its footer, all its mapper reads, and is one chunk.
func SplitColumns(objs []Object, chunkSize int64, columns []string) []Chunk {
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	var chunks []Chunk
	var pack []Part
	var packBytes int64
	packJSON := chunkJSONBase
	flush := func() {
		if len(pack) > 0 {
			chunks = append(chunks, Chunk{Index: len(chunks), Parts: pack})
			pack, packBytes, packJSON = nil, 0, chunkJSONBase
		}
	}
	for _, o := range objs {
		part := Part{Source: o.Source, URL: o.URL, Ordinal: o.Ordinal, Start: 0, End: o.Size, Size: o.Size, Header: o.Header, NoHeader: o.NoHeader, Delim: o.Delim, Quote: o.Quote, Escape: o.Escape}
		weight := o.Size
		if o.Parquet != nil {
			part.Format, part.Footer = FormatParquet, o.Parquet.Len
			runs, total := rowGroupRuns(o, chunkSize, columns)
			switch {
			case len(runs) == 0:
				continue // no row groups: no rows
			case len(runs) > 1:
				flush()
				for _, r := range runs {
					p := part
					p.Start, p.End = r[0], r[1]
					chunks = append(chunks, Chunk{Index: len(chunks), Parts: []Part{p}})
				}
				continue
			}
			weight = total
			if columns != nil && len(columns) == 0 {
				weight = footerBytes(o.Parquet) // it reads no column
			}
		}
		switch {
		case o.Size == 0:
			continue
		case o.Codec() != "":
			flush()
			part.Codec = o.Codec()
			chunks = append(chunks, Chunk{Index: len(chunks), Parts: []Part{part}})
		case o.Parquet == nil && o.Size >= chunkSize:
			flush()
			for start := int64(0); start < o.Size; start += chunkSize {
				p := part
				p.Start, p.End = start, min(start+chunkSize, o.Size)
				chunks = append(chunks, Chunk{Index: len(chunks), Parts: []Part{p}})
			}
		default:
			n := partJSON(part) + 1 // and a comma
			if packBytes+weight > chunkSize || packJSON+n > MaxChunkJSON {
				flush()
			}
			pack = append(pack, part)
			packBytes += weight
			packJSON += n
		}
	}
	flush()
	return chunks
}

// rowGroupRuns cuts a Parquet object into byte ranges that each hold a run of
// whole row groups, as few runs as keep each within about chunkSize and as
// even as the row groups allow (at least one row group each): a run ends at
// the row group whose middle lies past its share of the total weight, so a
// file of 2.1 chunks' weight is two runs of about 1.05, not two and a sliver.
// The ranges cover [0, Size) without overlap, cut only at row groups' first
// bytes, so every row group, and so every row, is owned by exactly one. It
// also returns the object's total weight.
func rowGroupRuns(o Object, chunkSize int64, columns []string) (runs [][2]int64, total int64) {
	groups := o.Parquet.RowGroups()
	if len(groups) == 0 {
		return nil, 0
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Start < groups[j].Start })
	weights := make([]int64, len(groups))
	for i, g := range groups {
		weights[i] = o.Parquet.DecodedBytes(g.Index, columns)
		total += weights[i]
	}
	n := max(1, (total+chunkSize-1)/chunkSize)
	start, w, before, k := int64(0), int64(0), int64(0), int64(1)
	for i, g := range groups {
		gw := weights[i]
		// target is the weight before the end of run k: k n-ths of the total
		if target := total / n * k; k < n && w > 0 && g.Start > start && before+gw/2 >= target {
			runs = append(runs, [2]int64{start, g.Start})
			start, w = g.Start, 0
			for k < n && total/n*k <= before+gw/2 {
				k++
			}
		}
		w += gw
		before += gw
	}
	return append(runs, [2]int64{start, o.Size}), total
}

// ParseSize parses a byte count: plain bytes ("4096") or a number with a unit,
// KiB MiB GiB (powers of 1024) or KB MB GB (powers of 1000), e.g. "256KiB", "1MB".
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number of bytes, optionally with a unit KiB MiB GiB KB MB GB", s)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

// footerBytes is what a mapper reads of a Parquet object when it reads no
// column: its footer's metadata and the 8 bytes after it.
func footerBytes(f *pq.Footer) int64 { return f.Len + 8 }

// SplitBytes is the weight SplitColumns gives objects cut into several
// chunks for a job that reads the named columns (nil: all; empty: none): the size of the
// plain (uncompressed, text) objects and, of the Parquet ones, the decoded
// size of those columns' chunks (a compressed object is one chunk whatever
// its size). It is the total BalancedChunkSize evens out.
func SplitBytes(objs []Object, columns []string) int64 {
	var n int64
	for _, o := range objs {
		switch {
		case o.Parquet != nil && columns != nil && len(columns) == 0:
			n += footerBytes(o.Parquet)
		case o.Parquet != nil:
			for _, g := range o.Parquet.RowGroups() {
				n += o.Parquet.DecodedBytes(g.Index, columns)
			}
		case o.Codec() == "":
			n += o.Size
		}
	}
	return n
}

// BalancedChunkSize is the chunk size a job of the default chunk size gets
// for workers mappers running at once. Cutting total bytes at chunkSize
// leaves a last chunk of whatever remains and, for a job of a few waves of
// chunks, mappers idle while the last wave runs; instead the chunks are
// evened out: as many as total needs when chunks may be up to an eighth
// larger than chunkSize (so 128 MiB and a few bytes make two chunks, not a
// third of a few bytes), rounded up to a multiple of workers while there are
// fewer than four waves (so 200 MiB on 2 mappers makes four chunks of 50 MiB,
// not three and one core idle for the last third). From four waves to
// eight, the chunks (at most chunkSize, but for a last sliver of under an
// eighth of a chunk folded into the others) are rounded up to whole waves
// too: 11 chunks on 2 mappers take six waves, the last on one core, where
// 12 chunks of eleven twelfths the size take the same six waves of less
// (a Parquet file of 652 MiB decoded: 8% less time mapping). A job of one
// chunk on several mappers is cut in two halves when each is at least an
// eighth of chunkSize, so that a second mapper is not idle for all of it
// (what a Parquet scan of a few columns reads is often less than a chunk);
// a smaller one keeps chunkSize. A job of eight waves or more keeps
// chunkSize, but for a last sliver, folded into the others.
func BalancedChunkSize(total, chunkSize int64, workers int) int64 {
	if total <= 0 || chunkSize <= 0 || workers < 1 {
		return chunkSize
	}
	w := int64(workers)
	n := (total + chunkSize + chunkSize/8 - 1) / (chunkSize + chunkSize/8)
	if n == 1 {
		if w > 1 && total >= 2*(chunkSize/8) {
			return (total + 1) / 2
		}
		return max(chunkSize, total)
	}
	if n >= 4*w {
		// Many waves: chunkSize, folding a last sliver of under an eighth
		// of a chunk into the others.
		n = (total + chunkSize - 1) / chunkSize
		if rest := total % chunkSize; rest != 0 && rest < chunkSize/8 {
			n = total / chunkSize
		}
		if n >= 8*w {
			if n*chunkSize >= total {
				return chunkSize
			}
			return (total + n - 1) / n
		}
	}
	if n > w {
		n = (n + w - 1) / w * w
	}
	return (total + n - 1) / n
}
