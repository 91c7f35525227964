package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/sql"
)

// cmdPlan prints the chunk plan of a job and what it would cost and take on
// AWS, without running it.
func cmdPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter plan", stderr)
	var (
		job         = fs.String("job", "", "the job ('scatter jobs' lists them)")
		size        = fs.String("size", "", "price this many input bytes instead of --input (e.g. 126.8GB)")
		chunkSize   = fs.String("chunk-size", "64MiB", "target chunk size")
		concurrency = fs.Int("concurrency", plan.DefaultAWSMaxConc, "the Map state's MaxConcurrency on AWS")
		memory      = fs.Int("memory", plan.DefaultLambdaMB, "each function's memory, MB")
		fanIn       = fs.Int("fan-in", plan.DefaultGatherFanIn, "the gather tree's fan-in (the template's GatherFanIn)")
		children    = fs.String("children", plan.ChildStandard, "the Distributed Map's child workflows: standard (the template's) or express")
		batch       = fs.Int("batch", 1, "chunks per child execution (an ItemBatcher's MaxItemsPerBatch); 1 is the template's")
		compare     = fs.Bool("compare", false, "print time and cost for Standard and Express children at several batch sizes")
		ratio       = fs.Float64("partial-ratio", 0, "the partials' size relative to the input (0: the job's measured ratio; a high-cardinality groupby has a larger one)")
		prices      = fs.Bool("prices", false, "print the AWS prices and limits the model uses, with their sources, and exit")
		jsonOut     = fs.Bool("json", false, "print the estimate as JSON")
		sqlQuery    = fs.String("sql", "", "plan a SQL query (the sql job): its stages, then its cost; the input is its FROM unless --input or --size")
		schema      = fs.String("schema", "", "the query's column types, name:TYPE,... (with --sql)")
		inputs      multiFlag
	)
	fs.Var(&inputs, "input", "a local file or directory to plan (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *prices {
		printPrices(stdout)
		return nil
	}
	var sqlPlan *sql.Description
	if *sqlQuery != "" {
		if *job != "" && *job != "sql" {
			return usageError{"--sql is the sql job: it does not go with --job " + *job}
		}
		*job = "sql"
		d, err := jobs.SQLPlan(*sqlQuery, *schema)
		if err != nil {
			return usageError{"--sql: " + err.Error()}
		}
		sqlPlan = &d
		if len(inputs) == 0 && *size == "" {
			if inputs, err = jobs.SQLInputs(*sqlQuery); err != nil {
				return usageError{"--sql: " + err.Error()}
			}
		}
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	case *job == "":
		return usageError{"--job (or --sql) is required"}
	case (len(inputs) == 0) == (*size == ""):
		return usageError{"give either --input or --size"}
	case *concurrency < 1:
		return usageError{fmt.Sprintf("--concurrency %d: want at least 1", *concurrency)}
	case *memory < 128 || *memory > 10240:
		return usageError{fmt.Sprintf("--memory %d: Lambda allows 128 to 10240 MB", *memory)}
	}
	if _, ok := plan.Profiles[*job]; !ok {
		return usageError{fmt.Sprintf("unknown job %q; 'scatter jobs' lists them", *job)}
	}
	cs, err := parseChunkSize(*chunkSize)
	if err != nil {
		return err
	}
	if *fanIn < 2 {
		return usageError{fmt.Sprintf("--fan-in %d: want at least 2", *fanIn)}
	}
	if *batch < 1 {
		return usageError{fmt.Sprintf("--batch %d: want at least 1", *batch)}
	}
	if *ratio < 0 || *ratio > 10 {
		return usageError{fmt.Sprintf("--partial-ratio %g: want a ratio between 0 and 10", *ratio)}
	}
	prof := plan.Profiles[*job]
	if *ratio > 0 {
		prof.PartialRatio = *ratio
	}
	in := plan.EstimateInput{Job: *job, Profile: prof, ChunkSize: cs, Concurrency: *concurrency, MemoryMB: *memory, FanIn: *fanIn, Children: *children, Batch: *batch}
	var chunks []plan.Chunk
	if *size != "" {
		if in.Bytes, err = parseDecimalSize(*size); err != nil {
			return usageError{"--size: " + err.Error()}
		}
	} else {
		objs, _, err := plan.ResolveJob(ctx, blob.NewMux(nil), *job, nil, inputs)
		if err != nil {
			return err
		}
		chunks = plan.Split(objs, cs)
		for _, c := range chunks {
			in.Bytes += c.Bytes()
		}
		in.Objects, in.Chunks = len(objs), len(chunks)
		if in.Chunks == 0 {
			return fmt.Errorf("inputs %v hold no bytes", inputs)
		}
	}
	if *compare {
		return printComparison(stdout, in, *jsonOut)
	}
	e, err := plan.EstimateCost(in)
	if err != nil {
		return usageError{err.Error()}
	}
	if *jsonOut {
		return writeJSON(stdout, struct {
			plan.Estimate
			SQL *sql.Description `json:"sql,omitempty"`
		}{e, sqlPlan})
	}
	if sqlPlan != nil {
		printSQLPlan(stdout, *sqlPlan)
	}
	printEstimate(stdout, e, chunks)
	return nil
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

func printEstimate(w io.Writer, e plan.Estimate, chunks []plan.Chunk) {
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
	fmt.Fprintf(w, "gather: %d tree levels (%d merges) before the final gather\n", e.GatherLevels, e.GatherMerges)
	fmt.Fprintf(w, "time: about %.1f s (%d waves of %.2f s children at %.0f MB/s each, %.0f s concurrency ramp, %.1f s gather of which %.1f s the final serial gather)\n",
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
