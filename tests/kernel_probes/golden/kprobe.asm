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
	*(u32 *)(r10 - 8) = w0
	ld_pseudo	r1, 1, FD
	r2 = r10
	r2 += -8
	call 1
	r6 = r0
	if r6 == 0 goto LBB0_7
	w1 = 0
	*(u32 *)(r6 + 24) = w1
	r1 = *(u64 *)(r7 + 104)
	if r1 == 0 goto LBB0_7
	r1 = 0
	*(u64 *)(r6 + 8) = r1
	*(u64 *)(r6 + 0) = r1
	r1 = *(u64 *)(r7 + 112)
	*(u64 *)(r6 + 0) = r1
	r1 = *(u64 *)(r7 + 64)
	r2 = 1
	*(u64 *)(r6 + 16) = r2
	*(u64 *)(r6 + 8) = r1
	ld_pseudo	r1, 1, FD
	r2 = r6
	call 1
	if r0 == 0 goto LBB0_3
	goto LBB0_6
LBB0_3:
	r3 = r6
	r3 += 16
	ld_pseudo	r1, 1, FD
	r2 = r6
	r4 = 1
	call 2
	if r0 == -7 goto LBB0_8
	if r0 != -17 goto LBB0_7
	ld_pseudo	r1, 1, FD
	r2 = r6
	call 1
	if r0 == 0 goto LBB0_7
LBB0_6:
	r1 = *(u64 *)(r0 + 0)
	r1 += 1
	*(u64 *)(r0 + 0) = r1
LBB0_7:
	r0 = 0
	exit
LBB0_8:
	r2 = r6
	r2 += 24
	ld_pseudo	r1, 1, FD
	call 1
	if r0 != 0 goto LBB0_10
	r6 += 32
	r1 = 0
	*(u64 *)(r6 + 64) = r1
	*(u64 *)(r6 + 56) = r1
	*(u64 *)(r6 + 48) = r1
	*(u64 *)(r6 + 40) = r1
	*(u64 *)(r6 + 32) = r1
	*(u64 *)(r6 + 24) = r1
	*(u64 *)(r6 + 16) = r1
	*(u64 *)(r6 + 8) = r1
	*(u64 *)(r6 + 0) = r1
	r0 = r6
LBB0_10:
	r1 = 1
	lock *(u64 *)(r0 + 24) |= r1
	goto LBB0_7
.Lfunc_end0:
	.size	fn_s0, .Lfunc_end0-fn_s0

