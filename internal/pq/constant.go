package pq

import (
	"github.com/parquet-go/parquet-go/format"
)

// Constant is a column of the rows a Reader gives that the file does not
// hold: every row has the one value, as a Hive partition column has the
// value its file's path gives it. Its vectors are a VARCHAR column's
// (Bytes, and Dictionary with one entry), so a batch loop reads it as any
// column; its Text is Value.
type Constant struct {
	// Index is the column's place among the columns Open is asked for;
	// the name there is the column's name.
	Index int
	// Type is the column's type as DuckDB names it (Column.Type).
	Type string
	// Value is the value's text; Null makes every row null.
	Value []byte
	Null  bool
}

// constantCursor is the cursor of a Constant: its vector is filled once,
// for a whole batch, and never read from a page.
func constantCursor(k Constant) cursor {
	c := cursor{physical: format.ByteArray, vec: newVector(format.ByteArray)}
	for i := range c.vec.null {
		c.vec.null[i], c.vec.bytes[i] = k.Null, k.Value
	}
	c.vec.indexed = true // every index is 0: dictBytes[0]
	c.dictBytes, c.dicts = [][]byte{k.Value}, 1
	return c
}

// constantColumn is the Column of a Constant named name.
func constantColumn(name string, k Constant) Column {
	return Column{Name: name, Type: k.Type, Nullable: true, leaf: -1, vt: valueType{kind: kindString, physical: format.ByteArray, bits: 64, name: "VARCHAR"}}
}

// resolveWith is f.resolve of the columns a Reader is asked for, those
// of consts (by Index) made constant columns; fixed marks them (nil
// without any).
func (f *Footer) resolveWith(names []string, consts []Constant) (cols []Column, fixed []bool, err error) {
	if len(consts) == 0 {
		cols, err = f.resolve(names)
		return cols, nil, err
	}
	fixed = make([]bool, len(names))
	for _, k := range consts {
		fixed[k.Index] = true
	}
	var fileNames []string
	for i, n := range names {
		if !fixed[i] {
			fileNames = append(fileNames, n)
		}
	}
	fileCols, err := f.resolve(fileNames)
	if err != nil {
		return nil, nil, err
	}
	cols = make([]Column, len(names))
	j := 0
	for i := range names {
		if !fixed[i] {
			cols[i] = fileCols[j]
			j++
		}
	}
	for _, k := range consts {
		cols[k.Index] = constantColumn(names[k.Index], k)
	}
	return cols, fixed, nil
}

// constant reports whether column c is a Constant.
func (r *Reader) constant(c int) bool { return r.fixed != nil && r.fixed[c] }
