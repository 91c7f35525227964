package report

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/scattergather/scattergather/internal/report/attempts"
)

// view is what the page template reads.
type view struct {
	*Data
	Title      string
	Timeline   Timeline
	Throughput Series
	Hist       Histogram
	Phases     []phaseRow
	Facts      []fact
	Skips      []skipRow
	MapCount   int
	Wall       string
	Factor     float64
}

type phaseRow struct {
	Name string
	attempts.PhaseSummary
	Wall, Busy string
}

type fact struct{ Label, Value string }

type skipRow struct {
	Reason  string
	N       int64
	Example string // the first record skipped under Reason
}

// Render writes d as one self-contained HTML page: inline CSS, inline SVG and a few lines
// of inline script; nothing is fetched.
func Render(w io.Writer, d *Data) error {
	v := view{Data: d, Title: "scatter report " + d.Job.ID, Factor: StragglerFactor}
	t0 := d.Job.Created.UTC()
	for _, a := range d.Attempts {
		if t0.IsZero() || a.Start.Before(t0) {
			t0 = a.Start
		}
		if a.Phase == attempts.PhaseMap {
			v.MapCount++
		}
	}
	v.Timeline = layoutTimeline(d.Attempts, t0)
	v.Throughput = throughput(d.Attempts, t0, v.Timeline.Span)
	v.Hist = histogram(d.Attempts)
	v.Wall = fmtDuration(v.Timeline.Span)
	phases := attempts.SummarizePhases(d.Attempts)
	if d.Summary != nil && d.Summary.Phases != nil {
		phases = d.Summary.Phases
	}
	for _, name := range []string{attempts.PhasePlan, attempts.PhaseMap, attempts.PhaseGather} {
		p := phases[name]
		v.Phases = append(v.Phases, phaseRow{Name: name, PhaseSummary: p,
			Wall: fmtDuration(time.Duration(p.WallSeconds * float64(time.Second))),
			Busy: fmtDuration(time.Duration(p.BusySeconds * float64(time.Second)))})
	}
	m := phases[attempts.PhaseMap]
	v.Facts = []fact{
		{"status", string(d.Job.Status)},
		{"chunks", fmt.Sprint(d.Job.Chunks)},
		{"committed", fmt.Sprint(len(d.Commits))},
		{"mapper attempts", fmt.Sprint(m.Attempts)},
		{"retried (failed)", fmt.Sprint(m.Failed)},
		{"duplicates", fmt.Sprint(m.Duplicates)},
		{"stragglers", fmt.Sprint(v.Timeline.Stragglers)},
		{"wall time", v.Wall},
	}
	if s := d.Summary; s != nil {
		v.Facts = append(v.Facts,
			fact{"bytes in", fmtBytes(s.BytesIn)},
			fact{"bytes out", fmtBytes(s.BytesOut)},
			fact{"records in / out", fmt.Sprintf("%d / %d", s.RecordsIn, s.RecordsOut)},
			fact{"skipped", fmt.Sprint(s.Skipped)},
			fact{"est. AWS cost", fmt.Sprintf("$%.6f", s.EstimatedCost.Total)},
		)
		if p := ParquetScan(*s); p != "" {
			v.Facts = append(v.Facts, fact{"parquet", p})
		}
		for k, n := range s.SkipReasons {
			v.Skips = append(v.Skips, skipRow{k, n, s.SkipExamples[k]})
		}
		sort.Slice(v.Skips, func(i, j int) bool { return v.Skips[i].Reason < v.Skips[j].Reason })
	}
	return page().Execute(w, v)
}

// page is the report's template, parsed on its first use rather than at package
// init, where it cost every scatter command about 3 million instructions.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"f1":    func(x float64) string { return fmt.Sprintf("%.1f", x) },
		"f2":    func(x float64) string { return fmt.Sprintf("%.2f", x) },
		"usd":   func(x float64) string { return fmt.Sprintf("$%.7f", x) },
		"bytes": fmtBytes,
		"add":   func(a, b float64) float64 { return a + b },
		"ts":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000 UTC") },
		"mod":   func(i int) int { return i % 2 },
	}).Parse(pageHTML))
})

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1040px;color:#1d2330;padding:0 12px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}
.sub{color:#667;margin:0 0 16px}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.fact{background:#f4f6fa;border-radius:6px;padding:8px 10px}.fact b{display:block;font-size:17px}.fact span{color:#667;font-size:12px}
svg{display:block;max-width:100%;height:auto;font-size:11px}
svg text{fill:#445}
.bar{stroke:#0000;stroke-width:2}.bar:hover,.bar.hl{stroke:#111}
.committed{fill:#2e9d5b}.duplicate{fill:#f0a202}.failed{fill:#d7263d}.ok{fill:#3b6fd4}
.bar.straggler{stroke:#7b2cbf;stroke-width:2.5;stroke-dasharray:3 2}
.lane{fill:#f7f8fb}.lane.odd{fill:#eef1f6}.grid{stroke:#ccd;stroke-width:1}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:4px}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px 3px 0;text-align:left;vertical-align:top}th{color:#556;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#667;font-size:12px}
code{font-size:12px;background:#f4f6fa;padding:1px 4px;border-radius:3px}
</style>
</head>
<body data-job="{{.Job.ID}}" data-attempts="{{len .Attempts}}" data-map-attempts="{{.MapCount}}" data-commits="{{len .Commits}}">
<h1>{{.Job.Name}} <code>{{.Job.ID}}</code></h1>
<p class="sub">{{.Job.Status}} · created {{ts .Job.Created}} · {{.Job.Chunks}} chunks · report generated {{ts .Generated}}</p>

<div class="facts">{{range .Facts}}<div class="fact"><b>{{.Value}}</b><span>{{.Label}}</span></div>{{end}}</div>

<h2>Timeline: every attempt, by {{if .Timeline.ByWorker}}worker (Lambda execution environment){{else}}concurrency slot{{end}}</h2>
<p class="legend"><span><i class="sw committed"></i>committed</span><span><i class="sw duplicate"></i>duplicate (found the chunk committed)</span><span><i class="sw failed"></i>failed (retried)</span><span><i class="sw ok"></i>plan / gather</span><span><i class="sw" style="border:2px dashed #7b2cbf;width:9px;height:9px"></i>straggler (&gt; {{printf "%.0f" $.Factor}}× median {{.Timeline.MedianMS}}ms)</span></p>
<svg id="timeline" viewBox="0 0 1000 {{add .Timeline.Height 30}}" width="1000" height="{{add .Timeline.Height 30}}" role="img" aria-label="attempt timeline">
{{range $i, $l := .Timeline.Lanes}}<rect class="lane{{if eq (mod $i) 1}} odd{{end}}" x="{{$.Timeline.ChartLeft}}" y="{{f1 $l.Y}}" width="860" height="18"></rect><text x="{{f1 (add $.Timeline.ChartLeft -6)}}" y="{{f1 (add $l.Y 13)}}" text-anchor="end">{{$l.Label}}</text>
{{end}}{{range .Timeline.Ticks}}<line class="grid" x1="{{f1 .X}}" x2="{{f1 .X}}" y1="0" y2="{{f1 $.Timeline.AxisY}}"></line><text x="{{f1 .X}}" y="{{f1 (add $.Timeline.AxisY 14)}}" text-anchor="middle">{{.Label}}</text>
{{end}}{{range .Timeline.Bars}}<rect class="bar {{.A.Outcome}}{{if .Straggler}} straggler{{end}}" data-attempt="{{.A.ID}}" data-phase="{{.A.Phase}}" data-chunk="{{.A.Chunk}}" data-outcome="{{.A.Outcome}}" data-try="{{.Retry}}"{{if .Straggler}} data-straggler="true"{{end}} x="{{f1 .X}}" y="{{f1 .Y}}" width="{{f2 .W}}" height="{{f1 .H}}" rx="2"><title>{{.Title}}</title></rect>
{{end}}</svg>
<p class="note">{{len .Timeline.Bars}} attempts; {{.Timeline.Retried}} chunks took more than one attempt; {{.Timeline.Stragglers}} stragglers. Hover a bar for details; the other attempts of its chunk are outlined.{{if .FromLedger}} The work area holds no attempt records (expired, or the job predates them): the bars are the ledger's committed attempts only.{{end}} An attempt killed by a Lambda timeout leaves no record.</p>

<h2>Throughput over time (committed bytes read)</h2>
<svg id="throughput" viewBox="0 0 1000 170" width="1000" height="170" role="img" aria-label="throughput">
<line class="grid" x1="120" x2="980" y1="{{.Throughput.Height}}" y2="{{.Throughput.Height}}"></line>
{{range .Throughput.Ticks}}<text x="{{f1 .X}}" y="{{f1 (add $.Throughput.Height 14)}}" text-anchor="middle">{{.Label}}</text>{{end}}
<text x="114" y="14" text-anchor="end">{{.Throughput.MaxLabel}}</text><text x="114" y="{{.Throughput.Height}}" text-anchor="end">0</text>
<polygon points="{{.Throughput.Area}}" fill="#3b6fd433"></polygon>
<polyline id="throughput-line" points="{{.Throughput.Points}}" fill="none" stroke="#3b6fd4" stroke-width="2"></polyline>
</svg>
<p class="note">Peak {{f1 .Throughput.Peak}} MB/s, mean {{f1 .Throughput.Mean}} MB/s over the job's wall time; each committed attempt's bytes are spread evenly over its duration.</p>

<h2>Chunk durations (every mapper attempt)</h2>
<svg id="durations" viewBox="0 0 1000 170" width="1000" height="170" role="img" aria-label="duration histogram">
<line class="grid" x1="120" x2="980" y1="{{.Hist.Height}}" y2="{{.Hist.Height}}"></line>
<text x="114" y="14" text-anchor="end">{{.Hist.MaxN}}</text><text x="114" y="{{.Hist.Height}}" text-anchor="end">0</text>
{{range .Hist.Bars}}{{$b := .}}{{range .Segments}}<rect class="{{.Outcome}}" data-bin="{{$b.Label}}" x="{{f1 $b.X}}" y="{{f1 .Y}}" width="{{f1 $b.W}}" height="{{f1 .H}}"><title>{{$b.Label}}: {{.N}} {{.Outcome}}</title></rect>{{end}}{{end}}
{{range .Hist.Ticks}}<text x="{{f1 .X}}" y="{{f1 (add $.Hist.Height 14)}}" text-anchor="middle">{{.Label}}</text>{{end}}
</svg>
<p class="note">p50 {{.Hist.P50}} · p90 {{.Hist.P90}} · p99 {{.Hist.P99}} · max {{.Hist.Max}}</p>

<h2>Summary</h2>
{{with .Summary}}
<table>
<tr><th>inputs</th><td>{{range .Inputs}}<code>{{.}}</code> {{end}}</td></tr>
<tr><th>output</th><td><code>{{.Output}}</code> ({{bytes .BytesOut}})</td></tr>
<tr><th>parameters</th><td>{{range $k, $v := .Params}}<code>{{$k}}={{$v}}</code> {{else}}none{{end}}</td></tr>
<tr><th>bytes in</th><td>{{bytes .BytesIn}}</td></tr>
<tr><th>records</th><td>{{.RecordsIn}} in, {{.RecordsOut}} out, {{.Skipped}} skipped</td></tr>
<tr><th>runs</th><td>{{.Runs}} (resumes and redrives add one)</td></tr>
<tr><th>gather</th><td>{{.GatherLevels}} intermediate merge levels</td></tr>
<tr><th>wall time</th><td>{{f2 .WallSeconds}} s, {{ts .Started}} to {{ts .Finished}}</td></tr>
</table>
{{else}}<p class="note">No summary yet: the job has not succeeded (status {{.Job.Status}}{{if .Job.Error}}: {{.Job.Error}}{{end}}).</p>{{end}}
{{if .Skips}}<h3>Skipped records by reason</h3><table>{{range .Skips}}<tr><td>{{.Reason}}</td><td class="n">{{.N}}</td><td>{{.Example}}</td></tr>{{end}}</table>{{end}}
<h3>Phases</h3>
<table id="phases"><tr><th>phase</th><th>attempts</th><th>failed</th><th>duplicates</th><th>wall</th><th>busy (sum of attempts)</th></tr>
{{range .Phases}}<tr><td>{{.Name}}</td><td class="n">{{.Attempts}}</td><td class="n">{{.Failed}}</td><td class="n">{{.Duplicates}}</td><td class="n">{{.Wall}}</td><td class="n">{{.Busy}}</td></tr>{{end}}
</table>
{{with .Summary}}
<h3>Estimated AWS cost</h3>
<table id="cost">
<tr><td>Lambda</td><td class="n">{{usd .EstimatedCost.Lambda}}</td><td class="note">{{f2 .Usage.LambdaGBSeconds}} GB-s, {{.Usage.LambdaRequests}} requests</td></tr>
<tr><td>Step Functions</td><td class="n">{{usd .EstimatedCost.StepFunctions}}</td><td class="note">{{.Usage.StateTransitions}} state transitions, {{.Usage.MapChildExecutions}} child executions</td></tr>
<tr><td>DynamoDB</td><td class="n">{{usd .EstimatedCost.DynamoDB}}</td><td class="note">{{.Usage.DynamoWrites}} write, {{.Usage.DynamoReads}} read request units</td></tr>
<tr><td>S3</td><td class="n">{{usd .EstimatedCost.S3}}</td><td class="note">{{.Usage.S3Puts}} PUT/LIST, {{.Usage.S3Gets}} GET requests</td></tr>
<tr><th>total</th><th class="n">{{usd .EstimatedCost.Total}}</th><td class="note">{{.EstimatedCost.Model}}</td></tr>
</table>
{{end}}
<p class="note">Work area <code>{{.Work}}</code>. Made by <code>scatter report</code>; this file needs no network.</p>
<script>
(function () {
  var bars = document.querySelectorAll('#timeline [data-attempt]');
  var drawn = 0;
  bars.forEach(function (b) {
    var box = b.getBBox();
    if (box.width > 0 && box.height > 0) drawn++;
    b.addEventListener('mouseenter', function () {
      document.querySelectorAll('#timeline [data-phase="map"][data-chunk="' + b.dataset.chunk + '"]').forEach(function (o) {
        if (b.dataset.phase === 'map') o.classList.add('hl');
      });
    });
    b.addEventListener('mouseleave', function () {
      document.querySelectorAll('#timeline .hl').forEach(function (o) { o.classList.remove('hl'); });
    });
  });
  document.body.setAttribute('data-bars-drawn', String(drawn));
})();
</script>
</body>
</html>
`
