package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/scattergather/scattergather/job"
)

// FrameworkVersion is the version of what every job's records go through
// before its own code sees them: the splitter's ownership of records and
// row groups (internal/split, SplitColumns), the CSV, JSON Lines and
// Parquet readers (record, internal/pq: what a record's fields, a row's
// values as text, a skip are) and the feeder (internal/feed). Every job's
// identity holds it, built-in and user jobs alike (a user job's Version
// covers its own code only), so that a build whose reading gives a job
// other records makes new jobs, and no run or resume reuses the partials
// an older build committed. Bump it with any change to those that can
// change what a job's mapper is fed for the same input (docs/jobs.md,
// "Versions"); a change to one built-in job's own output bumps that job's
// version instead (internal/jobs/job.go's versions). Job IDs of the
// earlier framework versions are EarlierJobIDs.
const FrameworkVersion = 7

// Identity is what makes a job: the job and its code version, the
// framework's (FrameworkVersion), its parameters,
// its inputs, the chunk size and the output. Its canonical JSON (map keys
// marshal sorted), hashed by NameID, is the job ID; a submission's ID
// (internal/api) is an Identity with the submission's own fields beside it. V
// numbers the form, so that a change to what counts gives new IDs, never the
// IDs of other jobs.
type Identity struct {
	V       int    `json:"v"`
	Job     string `json:"job"`
	Version string `json:"version"`
	// Framework is FrameworkVersion, what read the job's records; 0 (left
	// out, as identities were before it) for none.
	Framework int               `json:"framework,omitempty"`
	Params    map[string]string `json:"params"`
	// Inputs identify the inputs: a job's resolved objects, a submission's sources.
	Inputs any    `json:"inputs"`
	Chunk  int64  `json:"chunkSize"`
	Output string `json:"output"`
}

// NewIdentity is an Identity of form v; nil params are empty ones (no
// parameters and empty parameters are one job).
func NewIdentity(v int, name, version string, params map[string]string, inputs any, chunkSize int64, output string) Identity {
	if params == nil {
		params = map[string]string{}
	}
	return Identity{V: v, Job: name, Version: version, Framework: FrameworkVersion, Params: params, Inputs: inputs, Chunk: chunkSize, Output: output}
}

// JobVersion is the Version of the registered job name, "" if there is none.
func JobVersion(name string) string {
	if d, ok := job.Lookup(name); ok {
		return d.Version
	}
	return ""
}

// JobID derives the job's identity from the job and its code version (the
// registered job.Definition's Version), the framework's (FrameworkVersion),
// its parameters, the inputs' identities, the chunk size and the output, so
// the same submission twice is one job, and a job whose logic or record
// reading changed is a new one. The result is safe as a Step Functions
// execution name.
func JobID(name string, params map[string]string, objs []Object, chunkSize int64, output string) string {
	return jobID(name, JobVersion(name), params, objs, chunkSize, output)
}

// jobID is JobID with the job's version given.
func jobID(name, version string, params map[string]string, objs []Object, chunkSize int64, output string) string {
	return jobIDOf(identityForm(objs), FrameworkVersion, name, version, params, objs, chunkSize, output)
}

// identityForm is the form of the identity of a job over objs: 4 when some
// object is Parquet, else 2. Each change to how a Parquet object is cut
// into chunks took a new form, so that a job planned by the old weights is
// never resumed (re-planned) with the new: form 3 weighed row groups by the
// columns the job reads (form 2 by all of them), form 4 weighs an object a
// job reads no column of by its footer (form 3 by all its columns).
func identityForm(objs []Object) int {
	for _, o := range objs {
		if o.Parquet != nil {
			return 4
		}
	}
	return 2
}

// EarlierJobIDs are the IDs a job over objs had under an earlier scatter's
// identity: of every earlier FrameworkVersion (0: before identities held
// one) and every identity form of its inputs (2 for text; 2, 3 and 4 when
// some object is Parquet), and, for Parquet, of the earlier forms 2 and 3
// (row groups weighed otherwise) with this framework version. A job of one
// of them may have read its records otherwise or been cut into other
// chunks: a resume names it as such rather than as a job whose inputs
// changed.
func EarlierJobIDs(name string, params map[string]string, objs []Object, chunkSize int64, output string) []string {
	version, last := JobVersion(name), identityForm(objs)
	var ids []string
	for fw := 0; fw <= FrameworkVersion; fw++ {
		for form := 2; form <= last; form++ {
			if fw == FrameworkVersion && form == last {
				continue // the job's ID now
			}
			ids = append(ids, jobIDOf(form, fw, name, version, params, objs, chunkSize, output))
		}
	}
	return ids
}

// PlannedBy reports whether jobID is the ID of the job over objs under
// version of its code, of this identity form or an earlier one, under this
// framework version or an earlier one (EarlierJobIDs): what a resume asks
// of a job whose stored spec does not say which version planned it.
func PlannedBy(jobID, name, version string, params map[string]string, objs []Object, chunkSize int64, output string) bool {
	for fw := 0; fw <= FrameworkVersion; fw++ {
		for form := 2; form <= identityForm(objs); form++ {
			if jobIDOf(form, fw, name, version, params, objs, chunkSize, output) == jobID {
				return true
			}
		}
	}
	return false
}

// jobIDOf is the job ID of identity form form under framework version
// framework (0: an identity without one).
func jobIDOf(form, framework int, name, version string, params map[string]string, objs []Object, chunkSize int64, output string) string {
	type ident struct {
		URL  string `json:"u"`
		ETag string `json:"e"`
		Size int64  `json:"s"`
	}
	ids := make([]ident, len(objs))
	for i, o := range objs {
		ids[i] = ident{o.URL, o.ETag, o.Size}
	}
	id := NewIdentity(form, name, version, params, ids, chunkSize, output)
	id.Framework = framework
	canon, _ := json.Marshal(id) // cannot fail
	return NameID(name, canon)
}

// NameID is name, a hyphen and 24 hex digits of canon's SHA-256: the form of job
// and submission IDs, safe as a Step Functions execution name.
func NameID(name string, canon []byte) string {
	sum := sha256.Sum256(canon)
	return name + "-" + hex.EncodeToString(sum[:12])
}
