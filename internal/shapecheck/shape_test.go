package shapecheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository root, two levels up from this package.
var root = filepath.Join("..", "..")

// productFiles are the module's Go files that are not tests: testdata and the folders
// with their own go.mod (bench/, sqlcheck/, pqcheck/, examples) are other modules or
// fixtures, not the product.
func productFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == root {
				return nil
			}
			if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// longFuncs lists the functions (declared or literal) of the Go source src longer than
// limit lines, as "file:line name (n lines)".
func longFuncs(fset *token.FileSet, name string, src any, limit int) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var long []string
	ast.Inspect(f, func(n ast.Node) bool {
		var body *ast.BlockStmt
		fn := "func literal"
		switch d := n.(type) {
		case *ast.FuncDecl:
			body, fn = d.Body, d.Name.Name
		case *ast.FuncLit:
			body = d.Body
		}
		if body == nil {
			return true
		}
		start := fset.Position(n.Pos())
		if lines := fset.Position(body.Rbrace).Line - start.Line + 1; lines > limit {
			long = append(long, fmt.Sprintf("%s:%d %s (%d lines)", name, start.Line, fn, lines))
		}
		return true
	})
	return long, nil
}

// TestFunctionsFitAScreenAndAHalf: no function of the product, method or literal, takes more
// than MaxFuncLines lines.
func TestFunctionsFitAScreenAndAHalf(t *testing.T) {
	files := productFiles(t)
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
