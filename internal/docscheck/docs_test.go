package docscheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// root is the repository root, two levels up from this package.
var root = filepath.Join("..", "..")

func markdownFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range []string{"README.md", filepath.Join("infra", "README.md")} {
		if _, err := os.Stat(filepath.Join(root, extra)); err == nil {
			files = append(files, filepath.Join(root, extra))
		}
	}
	if len(files) < 3 {
		t.Fatalf("found only %v", files)
	}
	return files
}

var (
	linkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	codeRE    = regexp.MustCompile("`((?:internal|cmd|local|functions|statemachine|infra|testdata|docs)/[A-Za-z0-9_./-]+)`")
	fenceRE   = regexp.MustCompile("(?s)```.*?```")
	headingRE = regexp.MustCompile(`(?m)^#{1,6}\s+(.+)$`)
)

// slug is GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
func slug(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

func anchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	raw := testutil.ReadFile(t, path)
	out := map[string]bool{}
	for _, m := range headingRE.FindAllStringSubmatch(fenceRE.ReplaceAllString(string(raw), ""), -1) {
		out[slug(m[1])] = true
	}
	return out
}

// TestRelativeLinksResolve: every relative link in docs/ and the READMEs names a file or
// directory of the repository (and, with #anchor into Markdown, one of its headings), and
// every code reference to a repository path in backquotes exists.
func TestRelativeLinksResolve(t *testing.T) {
	for _, file := range markdownFiles(t) {
		raw := testutil.ReadFile(t, file)
		text := string(raw)
		dir := filepath.Dir(file)
		for _, m := range linkRE.FindAllStringSubmatch(fenceRE.ReplaceAllString(text, ""), -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			target, anchor, _ := strings.Cut(link, "#")
			path := file
			if target != "" {
				path = filepath.Join(dir, target)
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s: link %s: %v", file, link, err)
					continue
				}
			}
			if anchor != "" && strings.HasSuffix(path, ".md") && !anchors(t, path)[anchor] {
				t.Errorf("%s: link %s: no heading with anchor #%s", file, link, anchor)
			}
		}
		if !strings.Contains(file, filepath.Join(root, "docs")) {
			continue
		}
		for _, m := range codeRE.FindAllStringSubmatch(text, -1) {
			p := strings.TrimSuffix(m[1], ".")
			if _, err := os.Stat(filepath.Join(root, p)); err != nil {
				t.Errorf("%s: code reference `%s` does not exist", file, m[1])
			}
		}
	}
}

// TestPatternGuide: docs/pattern.md is at least 2,500 words and has the Mermaid diagrams the
// issue asks for: the scatter phase, the gather phase, the failure paths and the tree or
// partitioned gather.
func TestPatternGuide(t *testing.T) {
	raw := testutil.ReadFile(t, filepath.Join(root, "docs", "pattern.md"))
	text := string(raw)
	if n := len(strings.Fields(text)); n < 2500 {
		t.Errorf("pattern.md has %d words, want at least 2500", n)
	}
	blocks := regexp.MustCompile("(?s)```mermaid\n(.*?)```").FindAllStringSubmatch(text, -1)
	if len(blocks) < 4 {
		t.Fatalf("pattern.md has %d Mermaid diagrams, want at least 4", len(blocks))
	}
	kinds := regexp.MustCompile(`^(flowchart|graph|sequenceDiagram|stateDiagram-v2)\b`)
	var all string
	for i, b := range blocks {
		if !kinds.MatchString(strings.TrimSpace(b[1])) {
			t.Errorf("Mermaid block %d does not start with a diagram type: %.40q", i+1, b[1])
		}
		all += b[1]
	}
	for _, want := range []string{"Distributed Map", "merge", "Retry", "Partitioned reduce", "Tree gather"} {
		if !strings.Contains(all, want) {
			t.Errorf("no Mermaid diagram mentions %q", want)
		}
	}
	for _, topic := range []string{"consistent hashing", "range partitioning", "hash partitioning", "combiner", "tree reduction",
		"partitioned reduce", "straggler", "replication", "checkpoint", "idempoten", "redrive",
		"Elasticsearch", "Solr", "YARN", "Spark", "Cassandra", "quorum", "Kafka", "Kubernetes"} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(topic)) {
			t.Errorf("pattern.md does not cover %q", topic)
		}
	}
}
