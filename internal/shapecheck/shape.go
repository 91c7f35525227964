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
)

// moduleFiles are the Go files of the module at root, its tests included: testdata and
// the folders with their own go.mod (bench/, sqlcheck/, pqcheck/, examples) are other
// modules or fixtures.
func moduleFiles(root string) ([]string, error) {
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
		if strings.HasSuffix(p, ".go") {
			files = append(files, p)
		}
		return nil
	})
	return files, err
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
