package plan

import "testing"

// TestTreeGroupsCoverEveryLevel: for many chunk counts and fan-ins, the
// groups of every level cover its partials once, in order, each at most a
// fan-in, every partial's Parent is the group that holds it, the levels stop
// at the first with at most a fan-in partials, and Shape sums them as a
// direct count of the levels does.
func TestTreeGroupsCoverEveryLevel(t *testing.T) {
	for _, f := range []int{2, 3, 7, 256} {
		for chunks := 0; chunks <= 600; chunks += 1 + chunks/9 {
			tr := NewTree(chunks, f)
			var levels, merges, reads, first int64
			n := chunks
			for l := 0; ; l++ {
				if got := tr.Partials(l); got != n {
					t.Fatalf("chunks %d fan-in %d: level %d has %d partials, want %d", chunks, f, l, got, n)
				}
				if n <= f {
					if tr.Merges(l) || tr.Levels() != l {
						t.Fatalf("chunks %d fan-in %d: Levels %d, Merges(%d) %v; want %d levels", chunks, f, tr.Levels(), l, tr.Merges(l), l)
					}
					break
				}
				next := 0
				for g := 0; g < tr.Groups(l); g++ {
					from, to := tr.Group(l, g)
					if from != next || to <= from || to-from > f {
						t.Fatalf("chunks %d fan-in %d level %d group %d: [%d,%d) after %d", chunks, f, l, g, from, to, next)
					}
					for j := from; j < to; j++ {
						if tr.Parent(j) != g {
							t.Fatalf("chunks %d fan-in %d: parent of %d is %d, want %d", chunks, f, j, tr.Parent(j), g)
						}
					}
					next = to
				}
				if next != n {
					t.Fatalf("chunks %d fan-in %d level %d: groups cover %d of %d partials", chunks, f, l, next, n)
				}
				if from, to := tr.Group(l, tr.Groups(l)); to > from {
					t.Fatalf("chunks %d fan-in %d level %d: a group past the last", chunks, f, l)
				}
				if l == 0 {
					first = int64(tr.Groups(l))
				}
				levels, merges, reads = levels+1, merges+int64(tr.Groups(l)), reads+int64(n)
				n = tr.Groups(l)
			}
			gl, gm, gr, gf, last := tr.Shape()
			if gl != levels || gm != merges || gr != reads || gf != first || last != int64(n) {
				t.Fatalf("chunks %d fan-in %d: Shape %d %d %d %d %d, want %d %d %d %d %d", chunks, f, gl, gm, gr, gf, last, levels, merges, reads, first, n)
			}
		}
	}
	if NewTree(10, 0).FanIn != DefaultGatherFanIn || NewTree(10, 1).FanIn != DefaultGatherFanIn {
		t.Fatal("a fan-in under 2 is not the default")
	}
	if p := NewTree(1000, 10).Partials(9); p != 1 {
		t.Fatalf("levels above the last divide down to one partial, got %d", p)
	}
}

// TestTreeSpan: a partial of level 0 holds its own chunk, a group's partial
// the chunks of the partials it merges, in order, and the last level's one
// partial every chunk.
func TestTreeSpan(t *testing.T) {
	for _, f := range []int{2, 3, 256} {
		for chunks := 1; chunks <= 600; chunks += 1 + chunks/7 {
			tr := NewTree(chunks, f)
			for j := 0; j < chunks; j++ {
				if from, to := tr.Span(0, j); from != j || to != j+1 {
					t.Fatalf("chunks %d fan-in %d: Span(0, %d) = [%d,%d)", chunks, f, j, from, to)
				}
			}
			l := 0
			for ; tr.Partials(l) > 1; l++ {
				for g := range tr.Groups(l) {
					first, last := tr.Group(l, g)
					want, _ := tr.Span(l, first)
					_, wantTo := tr.Span(l, last-1)
					if from, to := tr.Span(l+1, g); from != want || to != wantTo {
						t.Fatalf("chunks %d fan-in %d: Span(%d, %d) = [%d,%d), its partials hold [%d,%d)", chunks, f, l+1, g, from, to, want, wantTo)
					}
				}
			}
			if from, to := tr.Span(l, 0); from != 0 || to != chunks {
				t.Fatalf("chunks %d fan-in %d: the root (level %d) holds [%d,%d)", chunks, f, l, from, to)
			}
		}
	}
}
