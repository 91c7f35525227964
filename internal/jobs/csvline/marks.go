package csvline

import "encoding/binary"

// Marks sets bit i%64 of marks[i/64] when data[i] is delim (the field
// delimiter: ',' in a CSV file), a "\n" or a '"' (and clears it
// otherwise), for every byte of data: marks must hold
// (len(data)+63)/64 words. On amd64 and arm64 it compares 16 bytes at a
// time (SSE2 and NEON, which every amd64 and arm64 has: marks_amd64.s,
// marks_arm64.s); elsewhere and with -tags purego 8 at a time
// (marksWords). A CSV scan then visits only the bytes that end a field or
// a record or open or close a quote, a word of marks at a time.
func Marks(marks []uint64, data []byte, delim byte) {
	whole := len(data) / 64
	marks = marks[:(len(data)+63)/64]
	marksBlocks(marks[:whole], data[:64*whole], delim)
	if len(data) > 64*whole {
		marks[whole] = marksTail(data[64*whole:], delim)
	}
}

// marksWords is Marks over whole 64-byte blocks, 8 bytes at a time
// (Specials), in Go.
func marksWords(marks []uint64, data []byte, delim byte) {
	delims := Word(delim)
	for w := range marks {
		var m uint64
		for k := 0; k < 8; k++ {
			seps, quotes := Specials(binary.LittleEndian.Uint64(data[64*w+8*k:]), delims)
			m |= gather(seps|quotes) << (8 * k)
		}
		marks[w] = m
	}
}

// gather packs the high bits of x's bytes into a byte, byte k's into bit k.
func gather(x uint64) uint64 {
	return ((x >> 7) * 0x0102040810204080) >> 56
}

// marksTail is the marks of fewer than 64 bytes.
func marksTail(b []byte, delim byte) uint64 {
	var m uint64
	for i, c := range b {
		if c == delim || c == '\n' || c == '"' {
			m |= 1 << i
		}
	}
	return m
}
