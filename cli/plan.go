package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/hive"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/pq"
	jobreport "github.com/scattergather/scattergather/internal/report"
	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/internal/sqlspec"
)

// cmdPlan prints the chunk plan of a job and what it would cost and take on
// AWS, without running it.
func cmdPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter plan", stderr)
	f := definePlanFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *f.prices {
		printPrices(stdout)
		return nil
	}
	sqlPlan, err := f.sqlQuery(fs)
	if err != nil {
		return err
	}
	in, err := f.check(fs)
	if err != nil {
		return err
	}
	if sqlPlan != nil && sqlPlan.SortedRuns {
		// A full sort's partials are sorted runs of every selected row,
		// gathered by ranges of the ORDER BY key when large; an aggregate
		// over groups without LIMIT (sorted or not), by ranges of the group
		// key.
		in.Profile.SortedRuns = true
		in.SortRound = sqlPlan.SortRound
		if *f.ratio == 0 && sqlPlan.Kind == "sort" {
			in.Profile.PartialRatio = plan.SortPartialRatio
		}
	}
	var chunks []plan.Chunk
	var scan *plan.Scan
	if *f.size != "" {
		if in.Bytes, err = parseDecimalSize(*f.size); err != nil {
			return usageError{"--size: " + err.Error()}
		}
		f.balance(&in, in.Bytes)
	} else if chunks, scan, err = f.planInputs(ctx, fs, &in); err != nil {
		return err
	}
	if *f.compare {
		return printComparison(stdout, in, *f.jsonOut)
	}
	e, err := plan.EstimateCost(in)
	if err != nil {
		return usageError{err.Error()}
	}
	if *f.jsonOut {
		return writeJSON(stdout, struct {
			plan.Estimate
			Scan *plan.Scan       `json:"parquet,omitempty"`
			SQL  *sql.Description `json:"sql,omitempty"`
			Hive *hivePlan        `json:"hive,omitempty"`
		}{e, scan, sqlPlan, hivePlanOf(f.resolved)})
	}
	if sqlPlan != nil {
		printSQLPlan(stdout, *sqlPlan)
	}
	if h := hivePlanOf(f.resolved); h != nil {
		fmt.Fprintf(stdout, "hive partitions: %s; %d inputs (%s) pruned by the filter, never read\n", h.names(), h.FilesPruned, jobreport.FormatBytes(h.BytesPruned))
	}
	printEstimate(stdout, e, chunks, scan)
	return nil
}

// planFlags are scatter plan's flags; jf the jobs' own (--key, --where, ...),
// which price a Parquet input by the columns and filter of the job.
type planFlags struct {
	job, size, chunkSize, children, sql *string
	concurrency, memory, fanIn, batch   *int
	partitions                          *int
	ratio                               *float64
	compare, prices, jsonOut            *bool
	inputs                              multiFlag
	jf                                  *jobFlags
	// resolved are the job's parameters as the planner set them for
	// --input (its Hive partitions: printPartitions).
	resolved jobs.Params
}

func definePlanFlags(fs *flag.FlagSet) *planFlags {
	f := &planFlags{
		job:         fs.String("job", "", "the job ('scatter jobs' lists them)"),
		size:        fs.String("size", "", "price this many input bytes instead of --input (e.g. 126.8GB)"),
		chunkSize:   fs.String("chunk-size", "", "target chunk size (default: as scatter run, 64MiB evened out over --concurrency mappers)"),
		concurrency: fs.Int("concurrency", plan.DefaultAWSMaxConc, "the Map state's MaxConcurrency on AWS"),
		memory:      fs.Int("memory", plan.DefaultLambdaMB, "each function's memory, MB"),
		fanIn:       fs.Int("fan-in", plan.DefaultGatherFanIn, "the gather tree's fan-in (the template's GatherFanIn)"),
		children:    fs.String("children", plan.ChildStandard, "the Distributed Map's child workflows: standard (the template's) or express"),
		partitions:  fs.Int("partitions", 0, "gather by this many key ranges in parallel (2 to 1000; issue 15's range-partitioned reducers) instead of the tree (0)"),
		batch:       fs.Int("batch", 1, "chunks per child execution (an ItemBatcher's MaxItemsPerBatch); 1 is the template's"),
		compare:     fs.Bool("compare", false, "print time and cost for Standard and Express children at several batch sizes"),
		ratio:       fs.Float64("partial-ratio", 0, "the partials' size relative to the input (0: the job's measured ratio; a high-cardinality groupby has a larger one)"),
		prices:      fs.Bool("prices", false, "print the AWS prices and limits the model uses, with their sources, and exit"),
		jsonOut:     fs.Bool("json", false, "print the estimate as JSON"),
		sql:         fs.String("sql", "", "plan a SQL query (the sql job): its stages, then its cost; the input is its FROM unless --input or --size"),
	}
	fs.Var(&f.inputs, "input", "a local file or directory to plan (repeatable)")
	f.jf = defineJobFlags(fs)
	return f
}

// sqlQuery describes the --sql query, which names the job (sql), and its
// input (its FROM) when neither --input nor --size does; nil without one.
func (f *planFlags) sqlQuery(fs *flag.FlagSet) (*sql.Description, error) {
	if *f.sql == "" {
		return nil, nil
	}
	spec, err := sqlspec.FromQuery(*f.sql, *f.job, "", f.inputs)
	if err != nil {
		return nil, usageError{"--sql: " + err.Error()}
	}
	*f.job = spec.Job
	if err := fs.Set("query", spec.Query); err != nil {
		return nil, err
	}
	d, err := jobs.SQLPlan(*f.sql, *f.jf.values["schema"])
	if err != nil {
		return nil, usageError{"--sql: " + err.Error()}
	}
	if len(f.inputs) == 0 && *f.size == "" {
		f.inputs = spec.Inputs
	}
	return &d, nil
}

// check checks the flags and returns the estimate's input, without its bytes.
func (f *planFlags) check(fs *flag.FlagSet) (plan.EstimateInput, error) {
	var in plan.EstimateInput
	switch {
	case fs.NArg() > 0:
		return in, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	case *f.job == "":
		return in, usageError{"--job (or --sql) is required"}
	case (len(f.inputs) == 0) == (*f.size == ""):
		return in, usageError{"give either --input or --size"}
	case *f.concurrency < 1:
		return in, usageError{fmt.Sprintf("--concurrency %d: want at least 1", *f.concurrency)}
	case *f.memory < 128 || *f.memory > 10240:
		return in, usageError{fmt.Sprintf("--memory %d: Lambda allows 128 to 10240 MB", *f.memory)}
	case *f.fanIn < 2:
		return in, usageError{fmt.Sprintf("--fan-in %d: want at least 2", *f.fanIn)}
	case *f.batch < 1:
		return in, usageError{fmt.Sprintf("--batch %d: want at least 1", *f.batch)}
	case *f.ratio < 0 || *f.ratio > 10:
		return in, usageError{fmt.Sprintf("--partial-ratio %g: want a ratio between 0 and 10", *f.ratio)}
	}
	prof, ok := plan.Profiles[*f.job]
	if !ok {
		return in, usageError{fmt.Sprintf("unknown job %q; 'scatter jobs' lists them", *f.job)}
	}
	if *f.ratio > 0 {
		prof.PartialRatio = *f.ratio
	}
	cs := int64(plan.DefaultChunkSize) // evened out once the bytes are known (balance)
	if *f.chunkSize != "" {
		var err error
		if cs, err = parseChunkSize(*f.chunkSize); err != nil {
			return in, err
		}
	}
	return plan.EstimateInput{Job: *f.job, Profile: prof, ChunkSize: cs, Concurrency: *f.concurrency, MemoryMB: *f.memory,
		FanIn: *f.fanIn, Children: *f.children, Batch: *f.batch, Partitions: *f.partitions}, nil
}

// balance evens the default chunk size out over the concurrency for total
// bytes, as the splitter does for a run without --chunk-size
// (plan.BalancedChunkSize), so the plan prices the chunks the run makes.
func (f *planFlags) balance(in *plan.EstimateInput, total int64) {
	if *f.chunkSize == "" {
		conc := in.Concurrency
		if conc <= 0 {
			conc = plan.DefaultAWSMaxConc
		}
		in.ChunkSize = plan.BalancedChunkSize(total, in.ChunkSize, conc)
	}
}

// planInputs resolves --input and plans its chunks as a run does, setting in's bytes,
// objects and chunks. With a Parquet object among them it builds the job from
// its flags to price only what its mappers will read (plan.EstimateScan).
func (f *planFlags) planInputs(ctx context.Context, fs *flag.FlagSet, in *plan.EstimateInput) ([]plan.Chunk, *plan.Scan, error) {
	params, err := f.jf.params(fs, *f.job)
	if err != nil {
		params = nil // the job's flags are checked where they are used
	}
	objs, resolved, err := plan.ResolveJob(ctx, blob.NewMux(nil), *f.job, params, f.inputs)
	if err != nil {
		return nil, nil, err
	}
	f.resolved = resolved
	var parquet bool
	for _, o := range objs {
		parquet = parquet || o.Parquet != nil
	}
	var columns []string
	var pred pq.Predicate
	if parquet {
		if columns, pred, err = f.jobReads(fs); err != nil {
			return nil, nil, err
		}
	}
	f.balance(in, plan.SplitBytes(objs, columns))
	chunks := plan.SplitColumns(objs, in.ChunkSize, columns) // as the run plans them: row groups weighed by the columns read
	for _, c := range chunks {
		in.Bytes += c.Bytes()
	}
	in.Objects, in.Chunks = len(objs), len(chunks)
	if in.Chunks == 0 {
		return nil, nil, fmt.Errorf("inputs %v hold no bytes", f.inputs)
	}
	if !parquet {
		return chunks, nil, nil
	}
	scan, err := plan.EstimateScan(objs, chunks, columns, pred)
	if err != nil {
		return nil, nil, err
	}
	in.ReadBytes = scan.Read
	return chunks, &scan, nil
}

// jobReads builds the job from its flags and returns the Parquet columns its
// mappers read (nil: all) and the filter they prune row groups by.
func (f *planFlags) jobReads(fs *flag.FlagSet) ([]string, pq.Predicate, error) {
	params, err := f.jf.params(fs, *f.job)
	if err != nil {
		return nil, nil, err
	}
	j, err := jobs.New(*f.job, params)
	if err != nil {
		return nil, nil, usageError{fmt.Sprintf("a Parquet input is priced by what job %s reads: %v", *f.job, err)}
	}
	var pred pq.Predicate
	if p, ok := j.(feed.Pruner); ok {
		pred = p.ParquetPredicate()
	}
	in := j.Input()
	if !in.Format.Table() && in.Column == "" {
		return nil, nil, usageError{fmt.Sprintf("a Parquet input: job %s reads lines; name the column whose values are its records (--column)", *f.job)}
	}
	return feed.ParquetColumns(in), pred, nil
}

// printSQLPlan prints what a query reads, computes and how it gathers.
func printSQLPlan(w io.Writer, d sql.Description) {
	fmt.Fprintf(w, "sql: %s plan over %s\n", d.Kind, d.From)
	fmt.Fprintf(w, "  reads:  %s\n", strings.Join(d.Columns, ", "))
	if d.Filter != "" {
		fmt.Fprintf(w, "  where:  %s\n", d.Filter)
	}
	fmt.Fprintf(w, "  output: %s\n", strings.Join(d.Output, ", "))
	for _, st := range d.Stages {
		fmt.Fprintf(w, "  stage:  %s\n", st)
	}
}

// parseDecimalSize accepts what ParseSize does and also a decimal number
// before a unit ("126.8GB").
func parseDecimalSize(s string) (int64, error) {
	if n, err := plan.ParseSize(s); err == nil {
		return n, nil
	}
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}} {
		var v float64
		var rest string
		if n, _ := fmt.Sscanf(s, "%g%s", &v, &rest); n == 2 && rest == u.suffix && v > 0 {
			return int64(v * u.mult), nil
		}
	}
	return 0, fmt.Errorf("size %q: want bytes or a number with KiB MiB GiB TiB KB MB GB TB", s)
}

func printEstimate(w io.Writer, e plan.Estimate, chunks []plan.Chunk, scan *plan.Scan) {
	fmt.Fprintf(w, "job %s: %.4g GB in %d chunks of %s\n", e.Job, float64(e.Bytes)/1e9, e.Chunks, humanBytes(e.ChunkSize))
	if len(chunks) > 0 {
		show := min(len(chunks), 5)
		for _, c := range chunks[:show] {
			p := c.Parts[0]
			fmt.Fprintf(w, "  chunk %d: %s [%d, %d)", c.Index, p.Source, p.Start, p.End)
			if len(c.Parts) > 1 {
				fmt.Fprintf(w, " and %d more parts", len(c.Parts)-1)
			}
			fmt.Fprintln(w)
		}
		if len(chunks) > show {
			fmt.Fprintf(w, "  ... %d more chunks\n", len(chunks)-show)
		}
	}
	if scan != nil && scan.ParquetBytes > 0 {
		// Of the Parquet inputs alone: text inputs are read whole.
		fmt.Fprintf(w, "parquet: the mappers read %s of %s (%.1f%%): %s of other columns and pruned row groups skipped, %d of %d row groups pruned by statistics\n",
			jobreport.FormatBytes(scan.ParquetRead), jobreport.FormatBytes(scan.ParquetBytes), 100*float64(scan.ParquetRead)/float64(scan.ParquetBytes),
			jobreport.FormatBytes(scan.Skipped), scan.RowGroupsPruned, scan.RowGroups)
	}
	fmt.Fprintf(w, "on AWS (%s prices of %s), %d MB functions, %s child workflows of %d chunks (%d), up to %d at once:\n",
		plan.PricesRegion, plan.PricesRead, e.MemoryMB, e.ChildType, e.Batch, e.Children, e.Concurrency)
	fmt.Fprintf(w, "  Lambda          %8d invocations, %10.1f GB-s   $%.4f\n", e.Invocations, e.GBSeconds, e.LambdaUSD)
	if e.ExpressRequests > 0 {
		fmt.Fprintf(w, "  Step Functions  %8d state transitions, %8d Express requests, %8.1f Express GB-s   $%.4f\n",
			e.Transitions, e.ExpressRequests, e.ExpressGBSeconds, e.StepUSD)
	} else {
		fmt.Fprintf(w, "  Step Functions  %8d state transitions           $%.4f\n", e.Transitions, e.StepUSD)
	}
	fmt.Fprintf(w, "  DynamoDB        %8d writes, %8d reads       $%.4f\n", e.DynamoWrites, e.DynamoReads, e.DynamoUSD)
	fmt.Fprintf(w, "  S3              %8d GETs, %8d PUTs          $%.4f\n", e.S3Gets, e.S3Puts, e.S3USD)
	fmt.Fprintf(w, "  total                                             $%.4f  ($%.2f per TB; Athena: $%.2f per TB, $%.4f for this input)\n",
		e.TotalUSD, e.PerTBUSD, plan.AthenaPerTBUSD, e.AthenaUSD)
	if e.Partitions > 0 {
		fmt.Fprintf(w, "gather: %d key ranges merged in parallel, then assembled in order\n", e.Partitions)
		if r := e.SortRound; r != nil {
			fmt.Fprintf(w, "sort round: PlanSort, then %d spans of the ORDER BY key merged in parallel (a second GatherRanges Map run): %d invocations, %.1f GB-s, %d transitions, %d GETs, %d PUTs, %.1f s   $%.4f (in the totals)\n",
				r.Spans, r.Invocations, r.GBSeconds, r.Transitions, r.S3Gets, r.S3Puts, r.WallSeconds, r.USD)
		}
	} else {
		fmt.Fprintf(w, "gather: %d tree levels (%d merges) before the final gather\n", e.GatherLevels, e.GatherMerges)
	}
	fmt.Fprintf(w, "time: about %.1f s (%d waves of %.2f s children at %.0f MB/s each, %.0f s concurrency ramp, %.1f s gather of which %.1f s the final gather)\n",
		e.WallSeconds, e.Waves, e.ChildSeconds, e.MapperMBps, e.RampSeconds, e.GatherSeconds, e.ReduceSeconds)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// comparedBatches are the batch sizes --compare prices for each child type.
var comparedBatches = []int{1, 4, 16, 64}

// printComparison prints the job's time and cost for Standard and Express
// children at each of comparedBatches, and why an option is impossible.
func printComparison(w io.Writer, in plan.EstimateInput, jsonOut bool) error {
	type option struct {
		plan.Estimate
		Refused string `json:"refused,omitempty"`
	}
	var opts []option
	for _, ct := range []string{plan.ChildStandard, plan.ChildExpress} {
		for _, b := range comparedBatches {
			o := in
			o.Children, o.Batch = ct, b
			e, err := plan.EstimateCost(o)
			if err != nil {
				opts = append(opts, option{Estimate: plan.Estimate{Job: in.Job, ChildType: ct, Batch: b}, Refused: err.Error()})
				continue
			}
			opts = append(opts, option{Estimate: e})
		}
	}
	if jsonOut {
		return writeJSON(w, opts)
	}
	first := opts[0].Estimate
	fmt.Fprintf(w, "job %s: %.4g GB in %d chunks of %s, %d MB functions, up to %d at once (%s prices of %s)\n",
		first.Job, float64(first.Bytes)/1e9, first.Chunks, humanBytes(first.ChunkSize), first.MemoryMB, in.Concurrency, plan.PricesRegion, plan.PricesRead)
	fmt.Fprintf(w, "%-8s %5s %8s %8s %9s %9s %9s %9s\n", "children", "batch", "execs", "time s", "gather s", "SFN $", "total $", "$ per TB")
	for _, o := range opts {
		if o.Refused != "" {
			fmt.Fprintf(w, "%-8s %5d  refused: %s\n", o.ChildType, o.Batch, o.Refused)
			continue
		}
		fmt.Fprintf(w, "%-8s %5d %8d %8.1f %9.1f %9.4f %9.4f %9.2f\n",
			o.ChildType, o.Batch, o.Children, o.WallSeconds, o.GatherSeconds, o.StepUSD, o.TotalUSD, o.PerTBUSD)
	}
	return nil
}

// printPrices prints plan.PriceTable: every AWS price and limit the model
// uses, its source, and what the stored copy of that page showed.
func printPrices(w io.Writer) {
	fmt.Fprintf(w, "AWS prices and limits of the cost model (%s, read %s):\n", plan.PricesRegion, plan.PricesRead)
	for _, p := range plan.PriceTable {
		fmt.Fprintf(w, "  %-46s %-14g %s\n      %s\n      %s\n", p.Name, p.Value, p.Unit, p.URL, p.Checked)
	}
}

// hivePlan is the Hive partition columns the planner found in the inputs
// and the inputs it left out by them.
type hivePlan struct {
	Columns     []hive.Column `json:"columns"`
	FilesPruned int64         `json:"filesPruned"`
	BytesPruned int64         `json:"bytesPruned"`
}

// hivePlanOf reads the planner's Hive parameters; nil when the inputs have
// no partitions.
func hivePlanOf(p jobs.Params) *hivePlan {
	cols, err := hive.Decode(p[jobs.PartitionsParam])
	if err != nil || len(cols) == 0 {
		return nil
	}
	h := &hivePlan{Columns: cols}
	h.FilesPruned, h.BytesPruned = jobs.Pruned(p)
	return h
}

// names lists the columns and their types.
func (h *hivePlan) names() string {
	var s []string
	for _, c := range h.Columns {
		s = append(s, c.Name+" "+c.Type)
	}
	return strings.Join(s, ", ")
}
