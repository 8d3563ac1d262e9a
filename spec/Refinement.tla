----------------------------- MODULE Refinement -----------------------------
(***************************************************************************)
(* Deferred I/O refines conventional I/O: under the mapping below, every  *)
(* behaviour of DeferredIO is a behaviour of Conventional.  Conventional's *)
(* memory is Mem -- what a load of each byte returns (View) while the      *)
(* engine knows the byte, and the value it held when it was lost once a    *)
(* change behind the engine's back took its source away (a load of such a *)
(* byte is refused) -- its files are the files, and its last call is the   *)
(* step record's operation, arguments and results (what read, load, a     *)
(* view and copyOut returned, or the error; the bytes a refresh re-read).  *)
(* So every step is the same call of conventional I/O, returning the same *)
(* results and leaving the same memory and files; loads, views, copies,   *)
(* hints, changes of metadata and refused calls change nothing a program  *)
(* can see.                                                                *)
(*                                                                         *)
(* With crashes, a Persistent file is what recovery makes of it            *)
(* (Recovered: the page cache with a committed journal replayed), and its *)
(* durable content what recovery would make of what a power cut surely     *)
(* keeps (DurablePart); the same of the state before the last step is     *)
(* Conventional's prev.  So a recovery changes nothing a program can see,  *)
(* and a crash inside any step must leave what conventional I/O's crash   *)
(* allows: deferred I/O never loses or tears more than conventional I/O.  *)
(*                                                                         *)
(* This is the master property: skip soundness, snapshot stability,       *)
(* copy-before-write sufficiency and isolation all follow from it.  TLC   *)
(* checks it (PROPERTY Refines) when it certifies a config; the wasm      *)
(* checker cannot load a second module, so CI checks DeferredIO.tla's     *)
(* invariants with it, and checks the refinement with the model on the    *)
(* certified graphs (model/refinement.ts).                                *)
(***************************************************************************)
EXTENDS DeferredIO

(* The call a step record describes: its operation, arguments, results.   *)
Call == [op |-> last.op, addr |-> last.addr, len |-> last.len, file |-> last.file, pos |-> last.pos,
         val |-> last.val, data |-> last.data, page |-> last.page, rebind |-> last.rebind,
         writable |-> last.writable, reread |-> last.reread, ret |-> last.ret, out |-> last.out,
         err |-> last.err, sync |-> last.sync, atomic |-> last.atomic, kind |-> last.kind]

Conv == INSTANCE Conventional
        WITH mem <- [rfA \in Addrs |-> Mem(rfA)],
             file <- [rfF \in Files |-> IF rfF \in Persistent THEN Recovered(Now, rfF) ELSE file[rfF]],
             call <- Call,
             durable <- [rfD \in Persistent |-> Recovered(DurablePart(Now), rfD)],
             prev <- [file |-> [rfP \in Persistent |-> Recovered(before, rfP)],
                      durable |-> [rfQ \in Persistent |-> Recovered(DurablePart(before), rfQ)]]

(* Conv!CSpec, with the witness of CNext's choice of call taken from the  *)
(* step record (the call the step made): every Conv!CDo(c) step of a call  *)
(* c in CCalls is a CNext step, so Refines implies Conv!CSpec.  Checking   *)
(* the call the step names, not every call a step might be, is what lets   *)
(* TLC check this in about the time it takes to check the invariants.     *)
Refines == Conv!CInit /\ [][\E rfC \in {Call'} : Conv!CDo(rfC)]_Conv!cvars
=============================================================================
