// opt.cpp - the IR optimisation pipeline, built by hand (the one C++ file).
//
// Why not LLVMRunPasses(mod, "default<O2>", ...): that goes through
// llvm::PassBuilder, whose object file names every pass LLVM has (sanitizers,
// PGO, coroutines, OpenMP, vectorizers, the inliner ...). Linking it pulled
// ~110 more object files with static constructors (command-line options,
// registries) into libbpfscript-llvm.so, all run when the plugin is loaded:
// ~4 ms of a ~38 ms compiling `BEGIN { exit(); }` (BENCHMARKS.md, "Cold
// start-up, second pass"). This file builds the function
// simplification part of LLVM 19's O2 pipeline from the passes themselves, with
// the BPF target's own IR passes where its PassBuilder callbacks
// (BPFTargetMachine::registerPassBuilderCallbacks) would put them. What O2
// does beyond that serves C programs, not ours: no inliner (our only
// non-probe functions are noinline callbacks), no vectorizers, no
// interprocedural passes but the dead-global clean-up.
//
// Two ways to reach the BPF target's IR passes and LLVM's analyses:
// - BPFS_LLVM_STATIC (the plugin, the one-binary build: LLVM's static
//   archives): the pass classes, from a private LLVM header (BPF.h), are
//   declared here as LLVM 19 defines them (the build pins LLVM 19), and the
//   analyses the passes below ask for are registered one by one. The set is
//   the analysis keys the passes' object files refer to (objdump -r ... |
//   grep 3KeyE); an unregistered one is a crash in LLVM without assertions, so
//   a pass added below needs its analyses checked the same way;
// - a shared libLLVM (the sanitizer build, test programs) does not export the
//   BPF classes, and it contains PassBuilder anyway: a PassBuilder registers
//   the analyses and hands out the BPF target's passes through its
//   extension-point callbacks.
// The pass list itself is the same for both.

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include <llvm/Analysis/AliasAnalysis.h>
#include <llvm/Analysis/AssumptionCache.h>
#include <llvm/Analysis/BasicAliasAnalysis.h>
#include <llvm/Analysis/BlockFrequencyInfo.h>
#include <llvm/Analysis/BranchProbabilityInfo.h>
#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/DependenceAnalysis.h>
#include <llvm/Analysis/CycleAnalysis.h>
#include <llvm/Analysis/DemandedBits.h>
#include <llvm/Analysis/DominanceFrontier.h>
#include <llvm/Analysis/LazyValueInfo.h>
#include <llvm/Analysis/LoopAccessAnalysis.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/MemoryDependenceAnalysis.h>
#include <llvm/Analysis/MemorySSA.h>
#include <llvm/Analysis/OptimizationRemarkEmitter.h>
#include <llvm/Analysis/PhiValues.h>
#include <llvm/Analysis/PostDominators.h>
#include <llvm/Analysis/ProfileSummaryInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/Analysis/ScopedNoAliasAA.h>
#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/Analysis/TargetTransformInfo.h>
#include <llvm/Analysis/TypeBasedAliasAnalysis.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassInstrumentation.h>
#include <llvm/IR/PassManager.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/AggressiveInstCombine/AggressiveInstCombine.h>
#include <llvm/Transforms/IPO/GlobalDCE.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/ADCE.h>
#include <llvm/Transforms/Scalar/BDCE.h>
#include <llvm/Transforms/Scalar/CorrelatedValuePropagation.h>
#include <llvm/Transforms/Scalar/DeadStoreElimination.h>
#include <llvm/Transforms/Scalar/DivRemPairs.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/GVN.h>
#include <llvm/Transforms/Scalar/IndVarSimplify.h>
#include <llvm/Transforms/Scalar/InstSimplifyPass.h>
#include <llvm/Transforms/Scalar/JumpThreading.h>
#include <llvm/Transforms/Scalar/LICM.h>
#include <llvm/Transforms/Scalar/LoopDeletion.h>
#include <llvm/Transforms/Scalar/LoopInstSimplify.h>
#include <llvm/Transforms/Scalar/LoopPassManager.h>
#include <llvm/Transforms/Scalar/LoopRotation.h>
#include <llvm/Transforms/Scalar/LoopSimplifyCFG.h>
#include <llvm/Transforms/Scalar/LoopUnrollPass.h>
#include <llvm/Transforms/Scalar/MemCpyOptimizer.h>
#include <llvm/Transforms/Scalar/Reassociate.h>
#include <llvm/Transforms/Scalar/SCCP.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimpleLoopUnswitch.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Utils/SimplifyCFGOptions.h>

#include <cstdlib>
#include <cstring>

#ifdef BPFS_LLVM_STATIC
namespace llvm {
class BPFTargetMachine;

// lib/Target/BPF/BPF.h (LLVM 19)
class BPFAbstractMemberAccessPass : public PassInfoMixin<BPFAbstractMemberAccessPass> {
	BPFTargetMachine *TM;

public:
	BPFAbstractMemberAccessPass(BPFTargetMachine *TM) : TM(TM) {}
	PreservedAnalyses run(Function &F, FunctionAnalysisManager &AM);
	static bool isRequired() { return true; }
};
// the three that take nothing but the function
#define BPF_FUNCTION_PASS(Name)                                              \
	class Name : public PassInfoMixin<Name> {                            \
	public:                                                              \
		PreservedAnalyses run(Function &F, FunctionAnalysisManager &AM); \
		static bool isRequired() { return true; }                    \
	};
BPF_FUNCTION_PASS(BPFPreserveDITypePass)
BPF_FUNCTION_PASS(BPFIRPeepholePass)
BPF_FUNCTION_PASS(BPFASpaceCastSimplifyPass)
#undef BPF_FUNCTION_PASS
class BPFAdjustOptPass : public PassInfoMixin<BPFAdjustOptPass> {
public:
	PreservedAnalyses run(Module &M, ModuleAnalysisManager &AM);
};
class BPFPreserveStaticOffsetPass : public PassInfoMixin<BPFPreserveStaticOffsetPass> {
	bool AllowPartial;

public:
	BPFPreserveStaticOffsetPass(bool AllowPartial) : AllowPartial(AllowPartial) {}
	PreservedAnalyses run(Function &F, FunctionAnalysisManager &AM);
	static bool isRequired() { return true; }
};

// BPFTargetMachine.cpp refers to this for the textual pipeline option
// "bpf-preserve-static-offset<allow-partial>", which we never parse. Defining it
// here keeps PassBuilder.cpp (and everything it names) out of the plugin.
Expected<bool> PassBuilder::parseSinglePassOption(StringRef Params, StringRef OptionName, StringRef PassName)
{
	if (!Params.empty() && Params != OptionName)
		return make_error<StringError>(("invalid " + PassName + " pass parameter '" + Params + "'").str(),
					       inconvertibleErrorCode());
	return !Params.empty();
}
} // namespace llvm
#endif

using namespace llvm;

namespace {
// The BPF target's extension points (BPFTargetMachine::registerPassBuilderCallbacks).
struct bpf_hooks {
	TargetMachine *tm;
#ifndef BPFS_LLVM_STATIC
	PassBuilder pb;
	explicit bpf_hooks(TargetMachine *t) : tm(t), pb(t) {}
	void start(ModulePassManager &mpm) { pb.invokePipelineStartEPCallbacks(mpm, OptimizationLevel::O2); }
	void early(ModulePassManager &mpm) { pb.invokePipelineEarlySimplificationEPCallbacks(mpm, OptimizationLevel::O2); }
	void peephole(FunctionPassManager &fpm) { pb.invokePeepholeEPCallbacks(fpm, OptimizationLevel::O2); }
	void late(FunctionPassManager &fpm) { pb.invokeScalarOptimizerLateEPCallbacks(fpm, OptimizationLevel::O2); }
#else
	explicit bpf_hooks(TargetMachine *t) : tm(t) {}
	void start(ModulePassManager &mpm)
	{
		FunctionPassManager fpm;
		fpm.addPass(BPFPreserveStaticOffsetPass(true));
		fpm.addPass(BPFAbstractMemberAccessPass(reinterpret_cast<BPFTargetMachine *>(tm)));
		fpm.addPass(BPFPreserveDITypePass());
		fpm.addPass(BPFIRPeepholePass());
		mpm.addPass(createModuleToFunctionPassAdaptor(std::move(fpm)));
	}
	void early(ModulePassManager &mpm) { mpm.addPass(BPFAdjustOptPass()); }
	void peephole(FunctionPassManager &fpm)
	{
		fpm.addPass(SimplifyCFGPass(SimplifyCFGOptions().hoistCommonInsts(true)));
		fpm.addPass(BPFASpaceCastSimplifyPass());
	}
	void late(FunctionPassManager &fpm) { fpm.addPass(BPFPreserveStaticOffsetPass(false)); }
#endif
};
} // namespace

static FunctionPassManager simplification(bpf_hooks &bpf)
{
	FunctionPassManager fpm;
	// buildFunctionSimplificationPipeline(O2), without the passes for C
	// library calls, coroutines, switch tables and vectors.
	fpm.addPass(SROAPass(SROAOptions::ModifyCFG));
	fpm.addPass(EarlyCSEPass(true));
	fpm.addPass(JumpThreadingPass());
	fpm.addPass(CorrelatedValuePropagationPass());
	fpm.addPass(SimplifyCFGPass(SimplifyCFGOptions().convertSwitchRangeToICmp(true)));
	fpm.addPass(AggressiveInstCombinePass());
	fpm.addPass(InstCombinePass());
	bpf.peephole(fpm);
	fpm.addPass(SimplifyCFGPass(SimplifyCFGOptions().convertSwitchRangeToICmp(true)));
	fpm.addPass(ReassociatePass());

	LoopPassManager lpm1, lpm2;
	lpm1.addPass(LoopInstSimplifyPass());
	lpm1.addPass(LoopSimplifyCFGPass());
	lpm1.addPass(LICMPass(LICMOptions()));
	lpm1.addPass(LoopRotatePass(true, false));
	lpm2.addPass(IndVarSimplifyPass());
	lpm2.addPass(LoopDeletionPass());
	lpm2.addPass(LoopFullUnrollPass(2, false, false));
	fpm.addPass(createFunctionToLoopPassAdaptor(std::move(lpm1), true, false));
	fpm.addPass(SimplifyCFGPass(SimplifyCFGOptions().convertSwitchRangeToICmp(true)));
	fpm.addPass(InstCombinePass());
	fpm.addPass(createFunctionToLoopPassAdaptor(std::move(lpm2), false, false));

	fpm.addPass(SROAPass(SROAOptions::ModifyCFG));
	fpm.addPass(GVNPass());
	fpm.addPass(SCCPPass());
	fpm.addPass(BDCEPass());
	fpm.addPass(InstCombinePass());
	bpf.peephole(fpm);
	fpm.addPass(JumpThreadingPass());
	fpm.addPass(CorrelatedValuePropagationPass());
	fpm.addPass(ADCEPass());
	fpm.addPass(MemCpyOptPass());
	fpm.addPass(DSEPass());
	fpm.addPass(createFunctionToLoopPassAdaptor(LICMPass(LICMOptions()), true, false));
	bpf.late(fpm);
	fpm.addPass(SimplifyCFGPass(SimplifyCFGOptions()
					    .convertSwitchRangeToICmp(true)
					    .hoistCommonInsts(true)
					    .sinkCommonInsts(true)));
	fpm.addPass(InstCombinePass());
	bpf.peephole(fpm);
	return fpm;
}

// The tail of buildModuleOptimizationPipeline(O2) that applies to scalar code.
static FunctionPassManager finish(void)
{
	FunctionPassManager fpm;
	fpm.addPass(SROAPass(SROAOptions::ModifyCFG));
	fpm.addPass(InstCombinePass());
	fpm.addPass(InstSimplifyPass());
	fpm.addPass(DivRemPairsPass());
	fpm.addPass(SimplifyCFGPass(SimplifyCFGOptions().convertSwitchRangeToICmp(true)));
	return fpm;
}

static void register_analyses(bpf_hooks &bpf, ModuleAnalysisManager &mam, CGSCCAnalysisManager &cgam,
			      FunctionAnalysisManager &fam, LoopAnalysisManager &lam, PassInstrumentationCallbacks *pic)
{
#ifndef BPFS_LLVM_STATIC
	(void)pic;
	bpf.pb.registerModuleAnalyses(mam);
	bpf.pb.registerFunctionAnalyses(fam);
	bpf.pb.registerLoopAnalyses(lam);
	bpf.pb.crossRegisterProxies(lam, fam, cgam, mam);
#else
	(void)cgam;
	TargetMachine *tm = bpf.tm;
	mam.registerPass([pic] { return PassInstrumentationAnalysis(pic); });
	mam.registerPass([] { return ProfileSummaryAnalysis(); });

	fam.registerPass([] {
		AAManager aa;
		aa.registerFunctionAnalysis<BasicAA>();
		aa.registerFunctionAnalysis<ScopedNoAliasAA>();
		aa.registerFunctionAnalysis<TypeBasedAA>();
		return aa;
	});
	fam.registerPass([] { return BasicAA(); });
	fam.registerPass([] { return ScopedNoAliasAA(); });
	fam.registerPass([] { return TypeBasedAA(); });
	fam.registerPass([pic] { return PassInstrumentationAnalysis(pic); });
	fam.registerPass([] { return AssumptionAnalysis(); });
	fam.registerPass([] { return BlockFrequencyAnalysis(); });
	fam.registerPass([] { return BranchProbabilityAnalysis(); });
	fam.registerPass([] { return CycleAnalysis(); });
	fam.registerPass([] { return DominatorTreeAnalysis(); });
	fam.registerPass([] { return PostDominatorTreeAnalysis(); });
	fam.registerPass([] { return DemandedBitsAnalysis(); });
	fam.registerPass([] { return DependenceAnalysis(); });
	fam.registerPass([] { return DominanceFrontierAnalysis(); });
	fam.registerPass([] { return LoopAnalysis(); });
	fam.registerPass([] { return LazyValueAnalysis(); });
	fam.registerPass([] { return MemoryDependenceAnalysis(); });
	fam.registerPass([] { return MemorySSAAnalysis(); });
	fam.registerPass([] { return OptimizationRemarkEmitterAnalysis(); });
	fam.registerPass([] { return PhiValuesAnalysis(); });
	fam.registerPass([] { return ScalarEvolutionAnalysis(); });
	fam.registerPass([] { return LoopAccessAnalysis(); });
	fam.registerPass([] { return TargetLibraryAnalysis(); });
	fam.registerPass([tm] { return tm->getTargetIRAnalysis(); });

	lam.registerPass([pic] { return PassInstrumentationAnalysis(pic); });
	lam.registerPass([] { return ShouldRunExtraSimpleLoopUnswitch(); });   // asked for by IndVarSimplify

	mam.registerPass([&] { return FunctionAnalysisManagerModuleProxy(fam); });
	fam.registerPass([&] { return ModuleAnalysisManagerFunctionProxy(mam); });
	fam.registerPass([&] { return LoopAnalysisManagerFunctionProxy(lam); });
	lam.registerPass([&] { return FunctionAnalysisManagerLoopProxy(fam); });
#endif
}

#ifdef BPFS_LLVM_STATIC
// Command-line options. Each of LLVM's ~1,000 cl::opt globals enters the
// global option parser from its constructor (cl::Option::addArgument): half a
// million instructions and ~90 KiB of hash table at every dlopen() of the
// plugin, for a parser bpfscript never runs (nothing calls
// LLVMParseCommandLineOptions, and what would look an option up by name,
// cl::getRegisteredOptions, is not even linked). The plugin is linked with
// --wrap for that one function, so those constructors call this instead. An
// option's value is its initialiser either way.
extern "C" void __wrap__ZN4llvm2cl6Option11addArgumentEv(void *option);
extern "C" void __wrap__ZN4llvm2cl6Option11addArgumentEv(void *option)
{
	(void)option;
}
#endif

// Optimises the (verified) module for the BPF target machine (cg_int.h).
extern "C" void bpfs_cxx_optimize(LLVMModuleRef mref, LLVMTargetMachineRef tmref);
extern "C" void bpfs_cxx_optimize(LLVMModuleRef mref, LLVMTargetMachineRef tmref)
{
	Module &m = *unwrap(mref);
	bpf_hooks bpf(reinterpret_cast<TargetMachine *>(tmref));

	PassInstrumentationCallbacks pic;
	LoopAnalysisManager lam;
	FunctionAnalysisManager fam;
	CGSCCAnalysisManager cgam;
	ModuleAnalysisManager mam;
	register_analyses(bpf, mam, cgam, fam, lam, &pic);

	ModulePassManager mpm;
	bpf.start(mpm);
	// buildModuleSimplificationPipeline's early function simplification
	FunctionPassManager early;
	early.addPass(SimplifyCFGPass(SimplifyCFGOptions().convertSwitchRangeToICmp(true)));
	early.addPass(SROAPass(SROAOptions::ModifyCFG));
	early.addPass(EarlyCSEPass());
	mpm.addPass(createModuleToFunctionPassAdaptor(std::move(early)));
	bpf.early(mpm);
	mpm.addPass(createModuleToFunctionPassAdaptor(simplification(bpf)));
	mpm.addPass(createModuleToFunctionPassAdaptor(finish()));
	mpm.addPass(GlobalDCEPass());
	mpm.run(m, mam);
}
