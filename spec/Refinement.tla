----------------------------- MODULE Refinement -----------------------------
(***************************************************************************)
(* Deferred I/O refines conventional I/O: under the mapping below, every  *)
(* behaviour of DeferredIO is a behaviour of Conventional.  Conventional's *)
(* memory is Mem -- what a load of each byte returns (View) while the      *)
(* engine knows the byte, and the value it held when it was lost once a    *)
(* change behind the engine's back took its source away (a load of such a *)
(* byte is refused; DeferredIO's NeverWrong says so) -- and its files are  *)
(* the files.  Loads, evictions and refused steps are stuttering steps of  *)
(* Conventional: they change nothing a program can see.                    *)
(*                                                                         *)
(* This is the master property: skip soundness, snapshot stability,       *)
(* copy-before-write sufficiency and isolation all follow from it.  TLC   *)
(* checks it (PROPERTY Refines) when it certifies a config; the wasm      *)
(* checker cannot load a second module, so CI checks DeferredIO.tla's     *)
(* invariants with it, and checks the refinement with the model on the    *)
(* certified graphs (model/refinement.ts).                                *)
(***************************************************************************)
EXTENDS DeferredIO

Conv == INSTANCE Conventional WITH mem <- [rfA \in Addrs |-> Mem(rfA)], file <- file

Refines == Conv!CSpec
=============================================================================
