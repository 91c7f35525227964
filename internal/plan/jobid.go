package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/scattergather/scattergather/job"
)

// Identity is what makes a job: the job and its code version, its parameters,
// its inputs, the chunk size and the output. Its canonical JSON (map keys
// marshal sorted), hashed by NameID, is the job ID; a submission's ID
// (internal/api) is an Identity with the submission's own fields beside it. V
// numbers the form, so that a change to what counts gives new IDs, never the
// IDs of other jobs.
type Identity struct {
	V       int               `json:"v"`
	Job     string            `json:"job"`
	Version string            `json:"version"`
	Params  map[string]string `json:"params"`
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
	return Identity{V: v, Job: name, Version: version, Params: params, Inputs: inputs, Chunk: chunkSize, Output: output}
}

// JobVersion is the Version of the registered job name, "" if there is none.
func JobVersion(name string) string {
	if d, ok := job.Lookup(name); ok {
		return d.Version
	}
	return ""
}

// JobID derives the job's identity from the job and its code version (the
// registered job.Definition's Version), its parameters, the inputs'
// identities, the chunk size and the output, so the same submission twice is
// one job, and a job whose logic changed is a new one. The result is safe as a
// Step Functions execution name.
func JobID(name string, params map[string]string, objs []Object, chunkSize int64, output string) string {
	return jobID(name, JobVersion(name), params, objs, chunkSize, output)
}

// jobID is JobID with the job's version given.
func jobID(name, version string, params map[string]string, objs []Object, chunkSize int64, output string) string {
	return jobIDOfForm(identityForm(objs), name, version, params, objs, chunkSize, output)
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

// EarlierJobIDs are the IDs a job over objs had before the last change to
// how Parquet objects are weighed (identity forms 2 and 3), when some
// object is Parquet (its ID is now of form 4); none when none is (its ID
// kept its form). A job of one of them may have been cut into other
// chunks: a resume names it as such rather than as a job whose inputs
// changed.
func EarlierJobIDs(name string, params map[string]string, objs []Object, chunkSize int64, output string) []string {
	if identityForm(objs) == 2 {
		return nil
	}
	return []string{
		jobIDOfForm(2, name, JobVersion(name), params, objs, chunkSize, output),
		jobIDOfForm(3, name, JobVersion(name), params, objs, chunkSize, output),
	}
}

// jobIDOfForm is the job ID of identity form form.
func jobIDOfForm(form int, name, version string, params map[string]string, objs []Object, chunkSize int64, output string) string {
	type ident struct {
		URL  string `json:"u"`
		ETag string `json:"e"`
		Size int64  `json:"s"`
	}
	ids := make([]ident, len(objs))
	for i, o := range objs {
		ids[i] = ident{o.URL, o.ETag, o.Size}
	}
	canon, _ := json.Marshal(NewIdentity(form, name, version, params, ids, chunkSize, output)) // cannot fail
	return NameID(name, canon)
}

// NameID is name, a hyphen and 24 hex digits of canon's SHA-256: the form of job
// and submission IDs, safe as a Step Functions execution name.
func NameID(name string, canon []byte) string {
	sum := sha256.Sum256(canon)
	return name + "-" + hex.EncodeToString(sum[:12])
}
