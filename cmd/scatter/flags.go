package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/scattergather/scattergather/internal/jobs"
)

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// jobFlags are the flags of every registered job, defined once each.
type jobFlags struct {
	values map[string]*string
	strict *bool
}

func defineJobFlags(fs *flag.FlagSet) *jobFlags {
	jf := &jobFlags{values: map[string]*string{}}
	for _, d := range jobs.Definitions() {
		for _, p := range d.Params {
			if _, done := jf.values[p.Name]; done {
				continue
			}
			jf.values[p.Name] = fs.String(p.Name, "", fmt.Sprintf("%s (job %s)", p.Usage, d.Name))
		}
	}
	jf.strict = fs.Bool("strict", false, "fail the job on the first malformed record instead of skipping and counting it")
	return jf
}

// params returns the chosen job's parameters: the flags the user set, then the
// job's defaults. A flag set for another job is an error.
func (jf *jobFlags) params(fs *flag.FlagSet, job string) (jobs.Params, error) {
	d, ok := jobs.Lookup(job)
	if !ok {
		return nil, usageError{fmt.Sprintf("unknown job %q; 'scatter jobs' lists them", job)}
	}
	own := map[string]jobs.Param{}
	for _, p := range d.Params {
		own[p.Name] = p
	}
	p := jobs.Params{}
	var err error
	fs.Visit(func(f *flag.Flag) {
		if _, isJobFlag := jf.values[f.Name]; !isJobFlag {
			return
		}
		if _, mine := own[f.Name]; !mine && err == nil {
			err = usageError{fmt.Sprintf("--%s does not apply to job %s", f.Name, job)}
		}
		p[f.Name] = f.Value.String()
	})
	if err != nil {
		return nil, err
	}
	for _, prm := range d.Params {
		if _, set := p[prm.Name]; !set && prm.Default != "" {
			p[prm.Name] = prm.Default
		}
	}
	if *jf.strict {
		p["strict"] = "true"
	}
	return p, nil
}

func cmdJobs(w io.Writer) error {
	for _, d := range jobs.Definitions() {
		fmt.Fprintf(w, "%s\t%s\n", d.Name, d.Summary)
		for _, p := range d.Params {
			req := ""
			if p.Required {
				req = " (required)"
			}
			if p.Default != "" {
				req += " (default " + p.Default + ")"
			}
			fmt.Fprintf(w, "  --%s\t%s%s\n", p.Name, p.Usage, req)
		}
	}
	fmt.Fprintf(w, "every job:\n  --strict\tfail on the first malformed record\n")
	return nil
}
