BPF assembly:
	.text
	.file	"bpfscript"
	.section	s0,"ax",@progbits
	.globl	fn_s0
	.p2align	3
	.type	fn_s0,@function
fn_s0:
	r7 = r1
	call 8
	*(u32 *)(r10 - 32) = w0
	ld_pseudo	r1, 1, FD
	r2 = r10
	r2 += -32
	call 1
	r6 = r0
	if r6 == 0 goto LBB0_3
	w1 = 0
	*(u32 *)(r10 - 24) = w1
	r1 = 0
	*(u64 *)(r6 + 32) = r1
	*(u64 *)(r6 + 24) = r1
	*(u64 *)(r6 + 16) = r1
	*(u64 *)(r6 + 8) = r1
	*(u64 *)(r6 + 0) = r1
	r7 = *(u64 *)(r7 + 32)
	*(u64 *)(r10 - 8) = r1
	*(u64 *)(r10 - 16) = r7
	ld_pseudo	r1, 1, FD
	r2 = r10
	r2 += -8
	call 1
	if r0 == 0 goto LBB0_1
	w1 = *(u8 *)(r0 + 0)
	w3 = *(u8 *)(r0 + 1)
	r3 <<= 8
	r3 |= r1
	w1 = *(u8 *)(r0 + 2)
	r1 <<= 16
	w2 = *(u8 *)(r0 + 3)
	r2 <<= 24
	r2 |= r1
	r2 |= r3
	w3 = *(u8 *)(r0 + 5)
	w3 <<= 8
	w1 = *(u8 *)(r0 + 4)
	w3 |= w1
	w4 = *(u8 *)(r0 + 6)
	w4 <<= 16
	w1 = *(u8 *)(r0 + 7)
	w1 <<= 24
	w1 |= w4
	w1 |= w3
	r1 <<= 32
	r1 |= r2
	r1 += r7
	*(u8 *)(r0 + 0) = w1
	r2 = r1
	r2 >>= 48
	*(u8 *)(r0 + 6) = w2
	r2 = r1
	r2 >>= 56
	*(u8 *)(r0 + 7) = w2
	r2 = r1
	r2 >>= 32
	*(u8 *)(r0 + 4) = w2
	r2 = r1
	r2 >>= 40
	*(u8 *)(r0 + 5) = w2
	r2 = r1
	r2 >>= 16
	*(u8 *)(r0 + 2) = w2
	r2 = r1
	r2 >>= 24
	*(u8 *)(r0 + 3) = w2
	r1 >>= 8
	*(u8 *)(r0 + 1) = w1
	goto LBB0_3
LBB0_1:
	ld_pseudo	r1, 1, FD
	r2 = r10
	r2 += -8
	r3 = r10
	r3 += -16
	r4 = 1
	call 2
	if r0 == -7 goto LBB0_4
	goto LBB0_3
LBB0_4:
	ld_pseudo	r1, 1, FD
	r2 = r10
	r2 += -24
	call 1
	if r0 == 0 goto LBB0_6
	r6 = r0
LBB0_6:
	r1 = 1
	lock *(u64 *)(r6 + 24) |= r1
LBB0_3:
	r0 = 0
	exit
.Lfunc_end0:
	.size	fn_s0, .Lfunc_end0-fn_s0

