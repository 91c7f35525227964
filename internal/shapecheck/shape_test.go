package shapecheck

import (
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestFunctionsFitAScreenAndAHalf: no function of the module, method or literal, test or
// product, takes more than MaxFuncLines lines.
func TestFunctionsFitAScreenAndAHalf(t *testing.T) {
	root := filepath.Join("..", "..") // the repository's, two levels up
	files, err := moduleFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("found only %d Go files under %s", len(files), root)
	}
	fset := token.NewFileSet()
	for _, file := range files {
		long, err := longFuncs(fset, file, nil, MaxFuncLines)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range long {
			t.Errorf("%s: over %d lines; split it into steps that read on their own", l, MaxFuncLines)
		}
	}
}

// TestLongFuncsCounts: the check counts from the func keyword to the closing brace, and
// finds a long function literal inside a short declaration.
func TestLongFuncsCounts(t *testing.T) {
	body := func(n int) string { return strings.Repeat("\t_ = 1\n", n) }
	src := "package p\n\nfunc fits() {\n" + body(3) + "}\n\nfunc over() {\n" + body(4) + "}\n\nvar v = func() {\n" + body(4) + "}\n"
	long, err := longFuncs(token.NewFileSet(), "p.go", src, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"p.go:9 over (6 lines)", "p.go:16 func literal (6 lines)"}
	if strings.Join(long, "|") != strings.Join(want, "|") {
		t.Errorf("long functions %q, want %q", long, want)
	}
}
