BPF assembly:
	.text
	.file	"bpfscript"
	.section	s0,"ax",@progbits
	.globl	fn_s0
	.p2align	3
	.type	fn_s0,@function
fn_s0:
	r6 = r1
	call 8
	*(u32 *)(r10 - 40) = w0
	ld_pseudo	r1, 1, FD
	r2 = r10
	r2 += -40
	call 1
	if r0 == 0 goto LBB0_4
	w1 = 0
	*(u32 *)(r10 - 32) = w1
	r1 = 0
	*(u64 *)(r0 + 32) = r1
	*(u64 *)(r0 + 24) = r1
	*(u64 *)(r0 + 16) = r1
	*(u64 *)(r0 + 8) = r1
	*(u64 *)(r0 + 0) = r1
	r1 = *(u64 *)(r6 + 104)
	if r1 == 0 goto LBB0_4
	r7 = r0
	r1 = *(u64 *)(r6 + 112)
	*(u64 *)(r10 - 16) = r1
	r1 = *(u64 *)(r6 + 64)
	r2 = 1
	*(u64 *)(r10 - 24) = r2
	*(u64 *)(r10 - 8) = r1
	ld_pseudo	r1, 1, FD
	r2 = r10
	r2 += -16
	call 1
	if r0 == 0 goto LBB0_2
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
	r1 += 1
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
	goto LBB0_4
LBB0_2:
	ld_pseudo	r1, 1, FD
	r2 = r10
	r2 += -16
	r3 = r10
	r3 += -24
	r4 = 1
	call 2
	if r0 == -7 goto LBB0_5
	goto LBB0_4
LBB0_5:
	ld_pseudo	r1, 1, FD
	r2 = r10
	r2 += -32
	call 1
	if r0 == 0 goto LBB0_7
	r7 = r0
LBB0_7:
	r1 = 1
	lock *(u64 *)(r7 + 24) |= r1
LBB0_4:
	r0 = 0
	exit
.Lfunc_end0:
	.size	fn_s0, .Lfunc_end0-fn_s0

