//go:build arm64 && !purego

#include "textflag.h"

// func marksNEON(marks *uint64, data *byte, n int, delim byte)
// For each of n 64-byte blocks of data: a 64-bit word of marks, bit k set
// when byte k of the block is delim, '\n' (0x0a) or '"' (0x22). The four
// 16-byte compares of a block (0xff in a lane that matches) are ANDed with
// the lane's bit weight (1, 2, 4, ..., 128, twice), then three rounds of
// pairwise byte adds (ADDP) fold the 64 lanes into 8 bytes, the eight lanes
// of a byte having distinct weights: byte j of the word is bytes 8j..8j+7's
// marks, as marksWords makes it.
TEXT ·marksNEON(SB), NOSPLIT, $0-25
	MOVD  marks+0(FP), R0
	MOVD  data+8(FP), R1
	MOVD  n+16(FP), R2
	MOVBU delim+24(FP), R3
	CBZ   R2, done
	VDUP  R3, V16.B16
	VMOVI $0x0a, V17.B16
	VMOVI $0x22, V18.B16
	MOVD  $0x8040201008040201, R4
	VDUP  R4, V19.D2

loop:
	VLD1.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]

	VCMEQ V16.B16, V0.B16, V4.B16
	VCMEQ V17.B16, V0.B16, V5.B16
	VCMEQ V18.B16, V0.B16, V0.B16
	VORR  V5.B16, V4.B16, V4.B16
	VORR  V4.B16, V0.B16, V0.B16
	VAND  V19.B16, V0.B16, V0.B16

	VCMEQ V16.B16, V1.B16, V6.B16
	VCMEQ V17.B16, V1.B16, V7.B16
	VCMEQ V18.B16, V1.B16, V1.B16
	VORR  V7.B16, V6.B16, V6.B16
	VORR  V6.B16, V1.B16, V1.B16
	VAND  V19.B16, V1.B16, V1.B16

	VCMEQ V16.B16, V2.B16, V4.B16
	VCMEQ V17.B16, V2.B16, V5.B16
	VCMEQ V18.B16, V2.B16, V2.B16
	VORR  V5.B16, V4.B16, V4.B16
	VORR  V4.B16, V2.B16, V2.B16
	VAND  V19.B16, V2.B16, V2.B16

	VCMEQ V16.B16, V3.B16, V6.B16
	VCMEQ V17.B16, V3.B16, V7.B16
	VCMEQ V18.B16, V3.B16, V3.B16
	VORR  V7.B16, V6.B16, V6.B16
	VORR  V6.B16, V3.B16, V3.B16
	VAND  V19.B16, V3.B16, V3.B16

	// Go's operand order is VADDP Vm, Vn, Vd: Vd's low half folds Vn, its high half Vm.
	VADDP V1.B16, V0.B16, V0.B16
	VADDP V3.B16, V2.B16, V2.B16
	VADDP V2.B16, V0.B16, V0.B16
	VADDP V0.B16, V0.B16, V0.B16
	VMOV  V0.D[0], R5
	MOVD.P R5, 8(R0)
	SUBS  $1, R2, R2
	BNE   loop

done:
	RET
