//go:build amd64 && !purego

#include "textflag.h"

// func marksSSE2(marks *uint64, data *byte, n int, delims uint64)
// For each of n 64-byte blocks of data: a 64-bit word of marks, bit k set
// when byte k of the block is the delimiter (every byte of delims: 0x2c
// for ','), '\n' (0x0a) or '"' (0x22).
TEXT ·marksSSE2(SB), NOSPLIT, $0-32
	MOVQ marks+0(FP), DI
	MOVQ data+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ delims+24(FP), AX
	MOVQ AX, X0
	PUNPCKLQDQ X0, X0
	MOVQ $0x0a0a0a0a0a0a0a0a, AX
	MOVQ AX, X1
	PUNPCKLQDQ X1, X1
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X2
	PUNPCKLQDQ X2, X2
	TESTQ CX, CX
	JZ done

loop:
	MOVOU 0(SI), X3
	MOVO X3, X4
	MOVO X3, X5
	PCMPEQB X0, X3
	PCMPEQB X1, X4
	PCMPEQB X2, X5
	POR X4, X3
	POR X5, X3
	PMOVMSKB X3, AX

	MOVOU 16(SI), X6
	MOVO X6, X7
	MOVO X6, X8
	PCMPEQB X0, X6
	PCMPEQB X1, X7
	PCMPEQB X2, X8
	POR X7, X6
	POR X8, X6
	PMOVMSKB X6, BX
	SHLQ $16, BX
	ORQ BX, AX

	MOVOU 32(SI), X9
	MOVO X9, X10
	MOVO X9, X11
	PCMPEQB X0, X9
	PCMPEQB X1, X10
	PCMPEQB X2, X11
	POR X10, X9
	POR X11, X9
	PMOVMSKB X9, BX
	SHLQ $32, BX
	ORQ BX, AX

	MOVOU 48(SI), X12
	MOVO X12, X13
	MOVO X12, X14
	PCMPEQB X0, X12
	PCMPEQB X1, X13
	PCMPEQB X2, X14
	POR X13, X12
	POR X14, X12
	PMOVMSKB X12, BX
	SHLQ $48, BX
	ORQ BX, AX

	MOVQ AX, 0(DI)
	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNZ loop

done:
	RET
