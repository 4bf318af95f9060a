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
	r8 = r0
	if r8 == 0 goto LBB0_7
	w1 = 0
	*(u32 *)(r8 + 0) = w1
	ld_pseudo	r1, 1, FD
	r9 = 0
	r2 = 72
	r3 = 0
	call 131
	r6 = r0
	if r6 == 0 goto LBB0_2
	r1 = 4294967297 ll
	*(u64 *)(r6 + 0) = r1
	*(u64 *)(r6 + 8) = r9
	*(u64 *)(r6 + 16) = r9
	*(u64 *)(r6 + 24) = r9
	*(u64 *)(r6 + 32) = r9
	*(u64 *)(r6 + 40) = r9
	*(u64 *)(r6 + 48) = r9
	*(u64 *)(r6 + 56) = r9
	*(u64 *)(r6 + 64) = r9
	r1 = *(u64 *)(r7 + 0)
	if r1 == 0 goto LBB0_6
	r7 = r6
	r7 += 8
	r1 += {{F_PATH}}
	r2 = r7
	r3 = 64
	call 147
	if r0 s> -1 goto LBB0_6
	r1 = 0
	*(u64 *)(r7 + 56) = r1
	*(u64 *)(r7 + 48) = r1
	*(u64 *)(r7 + 40) = r1
	*(u64 *)(r7 + 32) = r1
	*(u64 *)(r7 + 24) = r1
	*(u64 *)(r7 + 16) = r1
	*(u64 *)(r7 + 8) = r1
	*(u64 *)(r7 + 0) = r1
LBB0_6:
	r1 = r6
	r2 = 0
	call 132
	goto LBB0_7
LBB0_2:
	ld_pseudo	r1, 1, FD
	r2 = r8
	call 1
	if r0 == 0 goto LBB0_4
	goto LBB0_5
LBB0_4:
	r8 += 8
	r1 = 0
	*(u64 *)(r8 + 64) = r1
	*(u64 *)(r8 + 56) = r1
	*(u64 *)(r8 + 48) = r1
	*(u64 *)(r8 + 40) = r1
	*(u64 *)(r8 + 32) = r1
	*(u64 *)(r8 + 24) = r1
	*(u64 *)(r8 + 16) = r1
	*(u64 *)(r8 + 8) = r1
	*(u64 *)(r8 + 0) = r1
	r0 = r8
LBB0_5:
	r1 = 1
	lock *(u64 *)(r0 + 16) += r1
LBB0_7:
	r0 = 0
	exit
.Lfunc_end0:
	.size	fn_s0, .Lfunc_end0-fn_s0

